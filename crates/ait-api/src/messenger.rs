//! Messages: `POST /messenger/send-message`.
//!
//! Spec: seed 000 ("메시지 발송하기": `templateSetCode` and `context` required; `success` holds per-channel
//! counts and the details of sent and failed messages). Host: `apps-in-toss-api.toss.im`; needs
//! `x-toss-user-key`. The seed does not spell out the `success` fields; the names below follow the public
//! developer guide (`msgCount`, `sent*Count`, `detail`, `fail`). All are optional and unknown ones ignored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::validate::{self, Validate, ValidationError};

/// `POST /messenger/send-message` body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendMessageRequest {
    /// Code of a template registered in the console.
    pub template_set_code: String,
    /// Values of the template's variables (`userName` is filled in by Toss). Required, may be empty.
    pub context: BTreeMap<String, String>,
}

impl Validate for SendMessageRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        validate::not_blank("templateSetCode", &self.template_set_code)
    }
}

/// `success` of send-message: how many messages went out on which channel.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SendMessageResponse {
    /// Messages sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msg_count: Option<i64>,
    /// Pushes sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_push_count: Option<i64>,
    /// Inbox (알림) entries sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_inbox_count: Option<i64>,
    /// SMS sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_sms_count: Option<i64>,
    /// Alimtalk messages sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_alimtalk_count: Option<i64>,
    /// Friendtalk messages sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_friendtalk_count: Option<i64>,
    /// Messages sent, per channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<MessageChannels>,
    /// Messages that failed, per channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail: Option<MessageChannels>,
}

/// Messages per channel, in `detail` and `fail`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MessageChannels {
    /// Push messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_push: Option<Vec<SentMessage>>,
    /// Inbox messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_inbox: Option<Vec<SentMessage>>,
    /// SMS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_sms: Option<Vec<SentMessage>>,
    /// Alimtalk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_alimtalk: Option<Vec<SentMessage>>,
    /// Friendtalk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_friendtalk: Option<Vec<SentMessage>>,
}

/// One message in a channel list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SentMessage {
    /// The message key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_id: Option<String>,
    /// Why it failed (in `fail` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reach_fail_reason: Option<String>,
}
