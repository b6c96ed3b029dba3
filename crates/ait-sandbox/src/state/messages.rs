//! Messages: `messenger/send-message` with templates registered through control.

#![allow(missing_docs)]

use ait_api::messenger::{MessageChannels, SendMessageResponse, SentMessage as SentContent};
use serde::Serialize;
use serde_json::Value;

use super::{Fail, State};
use crate::codes;
use crate::req;

/// A message sent through `send-message`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SentMessage {
    pub user_key: String,
    pub template_set_code: String,
    pub context: Value,
    pub at: i64,
}

impl State {
    // ---------------------------------------------------------------- Messages

    /// `messenger/send-message`.
    pub fn send_message(
        &mut self,
        user_key: &str,
        r: &req::SendMessage,
        now: i64,
    ) -> Result<SendMessageResponse, Fail> {
        let code = r.template_set_code.clone();
        if !self.templates.contains(&code) {
            return Err(Fail::bad(
                codes::TEMPLATE_NOT_FOUND,
                format!("templateSetCode {code} is not registered"),
            ));
        }
        self.messages.push(SentMessage {
            user_key: user_key.to_string(),
            template_set_code: code,
            context: serde_json::to_value(&r.context).unwrap_or(Value::Null),
            at: now,
        });
        let content_id = self.rng.uuid_v4();
        let sent = || {
            Some(vec![SentContent {
                content_id: Some(content_id.clone()),
                reach_fail_reason: None,
            }])
        };
        let none = || Some(Vec::new());
        Ok(SendMessageResponse {
            msg_count: Some(1),
            sent_push_count: Some(1),
            sent_inbox_count: Some(1),
            sent_sms_count: Some(0),
            sent_alimtalk_count: Some(0),
            sent_friendtalk_count: Some(0),
            detail: Some(MessageChannels {
                sent_push: sent(),
                sent_inbox: sent(),
                sent_sms: none(),
                sent_alimtalk: none(),
                sent_friendtalk: none(),
            }),
            fail: Some(MessageChannels {
                sent_push: none(),
                sent_inbox: none(),
                sent_sms: none(),
                sent_alimtalk: none(),
                sent_friendtalk: none(),
            }),
        })
    }
}
