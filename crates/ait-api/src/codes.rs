//! Code lists shared by TossPay (seed 001 §6 "코드 정리", repeated in seed 000) and auto-billing (seed 002):
//! payment status, payment method, environment, card and bank codes, cash-receipt and installment options.
//!
//! All are string enums with an `Other(String)` catch-all, because the documents say codes may be added
//! (seed 002 intro: "응답 필드와 에러코드는 사전 공지 없이 추가되거나 변경될 수도 있으니").

use crate::macros::string_enum;

string_enum! {
    /// `payStatus` of a TossPay payment (seed 001 §6 "결제상태 리스트").
    pub enum PayStatus {
        /// 결제 대기 중: created, not yet authenticated by the buyer.
        PayStandby = "PAY_STANDBY",
        /// 구매자 인증 완료: authenticated in the payment sheet, not yet executed.
        PayApproved = "PAY_APPROVED",
        /// 결제 취소.
        PayCancel = "PAY_CANCEL",
        /// 결제 진행 중: execution under way.
        PayProgress = "PAY_PROGRESS",
        /// 결제 완료: money moved.
        PayComplete = "PAY_COMPLETE",
        /// 환불 진행 중.
        RefundProgress = "REFUND_PROGRESS",
        /// 환불 성공.
        RefundSuccess = "REFUND_SUCCESS",
        /// 정산 완료.
        SettlementComplete = "SETTLEMENT_COMPLETE",
        /// 환불 정산 완료.
        SettlementRefundComplete = "SETTLEMENT_REFUND_COMPLETE",
    }
}

impl PayStatus {
    /// True when the buyer has paid and it has not been refunded (complete or settled).
    pub fn is_paid(&self) -> bool {
        matches!(self, PayStatus::PayComplete | PayStatus::SettlementComplete)
    }

    /// True when a refund is in progress or done.
    pub fn is_refunded(&self) -> bool {
        matches!(
            self,
            PayStatus::RefundProgress
                | PayStatus::RefundSuccess
                | PayStatus::SettlementRefundComplete
        )
    }

    /// True when the payment can still change without further action by the partner
    /// (standby, approved or in progress).
    pub fn is_pending(&self) -> bool {
        matches!(
            self,
            PayStatus::PayStandby | PayStatus::PayApproved | PayStatus::PayProgress
        )
    }
}

string_enum! {
    /// `payMethod` / `enablePayMethods`: how the buyer paid (seed 001 §1 and §3).
    pub enum PayMethod {
        /// 토스머니 (a linked bank account).
        TossMoney = "TOSS_MONEY",
        /// 카드.
        Card = "CARD",
    }
}

string_enum! {
    /// `mode`: which environment processed the payment (seed 001 §3, seed 002).
    pub enum PayMode {
        /// 실거래용.
        Live = "LIVE",
        /// 테스트용.
        Test = "TEST",
    }
}

string_enum! {
    /// `cardMethodType` (seed 001 §3).
    pub enum CardMethodType {
        /// 신용카드.
        Credit = "CREDIT",
        /// 체크카드.
        Check = "CHECK",
        /// 선불카드.
        Prepayment = "PREPAYMENT",
    }
}

string_enum! {
    /// `cardUserType` (seed 001 §3).
    pub enum CardUserType {
        /// 본인카드.
        Personal = "PERSONAL",
        /// 가족카드.
        PersonalFamily = "PERSONAL_FAMILY",
        /// 법인지정 결제계좌 임직원.
        CorpPersonal = "CORP_PERSONAL",
        /// 법인 공용.
        CorpPrivate = "CORP_PRIVATE",
        /// 법인지정 결제계좌 회사 (하나카드만).
        CorpCompany = "CORP_COMPANY",
    }
}

string_enum! {
    /// `stepType` of a payment transaction (seed 001 §5).
    pub enum StepType {
        /// 결제.
        Pay = "PAY",
        /// 환불 (its `transactionAmount` is negative).
        Refund = "REFUND",
    }
}

string_enum! {
    /// `cashReceiptTradeOption` (seed 001 §1; seed 002).
    pub enum CashReceiptTradeOption {
        /// 일반 (the default).
        General = "GENERAL",
        /// 문화비.
        Culture = "CULTURE",
        /// 교통비.
        PublicTp = "PUBLIC_TP",
    }
}

string_enum! {
    /// `installment`: whether the buyer may choose card installments (seed 001 §1).
    pub enum Installment {
        /// 할부 사용 (the default).
        Use = "USE",
        /// 할부 미사용.
        NotUse = "NOT_USE",
    }
}

string_enum! {
    /// `accountBankCode`: Toss's bank codes (seed 001 §6 "은행코드 리스트"). Note seed 002's commented example
    /// sends `"88"` for 신한은행 (unpadded); it parses as `Other("88")`, see [`BankCode::parse_lenient`].
    pub enum BankCode {
        /// KDB산업은행.
        Kdb = "002",
        /// IBK기업은행.
        Ibk = "003",
        /// KB국민은행.
        Kb = "004",
        /// KEB하나은행.
        KebHana = "005",
        /// 수협은행.
        Suhyup = "007",
        /// NH농협은행.
        Nh = "011",
        /// 우리은행.
        Woori = "020",
        /// SC은행.
        Sc = "023",
        /// 씨티은행.
        Citi = "027",
        /// 대구은행.
        Daegu = "031",
        /// 부산은행.
        Busan = "032",
        /// 광주은행.
        Gwangju = "034",
        /// 제주은행.
        Jeju = "035",
        /// 전북은행.
        Jeonbuk = "037",
        /// 경남은행.
        Gyeongnam = "039",
        /// MG새마을금고.
        Mg = "045",
        /// 신협.
        Shinhyup = "048",
        /// 저축은행.
        SavingsBank = "050",
        /// 산림조합.
        Forestry = "064",
        /// 우체국.
        PostOffice = "071",
        /// 하나은행.
        Hana = "081",
        /// 신한은행.
        Shinhan = "088",
        /// 케이뱅크.
        KBank = "089",
        /// 카카오뱅크.
        KakaoBank = "090",
        /// 토스뱅크.
        TossBank = "092",
        /// SBI저축은행.
        SbiSavings = "103",
        /// KB증권.
        KbSecurities = "218",
        /// 미래에셋증권 (code 230).
        MiraeAsset230 = "230",
        /// 미래에셋증권 (code 238; the list gives both codes the same name).
        MiraeAsset238 = "238",
        /// 삼성증권.
        SamsungSecurities = "240",
        /// 한국투자증권.
        KoreaInvestment = "243",
        /// NH투자증권.
        NhInvestment = "247",
        /// 교보증권.
        Kyobo = "261",
        /// 하이투자증권.
        HiInvestment = "262",
        /// 현대차투자증권.
        HyundaiMotorSecurities = "263",
        /// 키움증권.
        Kiwoom = "264",
        /// 이베스트증권.
        Ebest = "265",
        /// SK증권.
        SkSecurities = "266",
        /// 대신증권.
        Daishin = "267",
        /// 한화투자증권.
        Hanwha = "269",
        /// 하나증권.
        HanaSecurities = "270",
        /// 토스증권.
        TossSecurities = "271",
        /// 신한투자증권.
        ShinhanSecurities = "278",
        /// DB금융투자.
        Db = "279",
        /// 유진투자.
        Eugene = "280",
        /// 메리츠증권.
        Meritz = "287",
        /// 토스머니.
        TossMoney = "888",
        /// 토스포인트.
        TossPoint = "889",
    }
}

impl BankCode {
    /// Parses a code, left-padding purely numeric codes shorter than 3 digits with zeros (`"88"` → 신한은행).
    pub fn parse_lenient(s: &str) -> Self {
        let t = s.trim();
        if !t.is_empty() && t.len() < 3 && t.chars().all(|c| c.is_ascii_digit()) {
            BankCode::parse(&format!("{t:0>3}"))
        } else {
            BankCode::parse(t)
        }
    }

    /// The bank's Korean name as listed in the seed, if documented.
    pub fn name_ko(&self) -> Option<&'static str> {
        use BankCode::*;
        Some(match self {
            Kdb => "KDB산업은행",
            Ibk => "IBK기업은행",
            Kb => "KB국민은행",
            KebHana => "KEB하나은행",
            Suhyup => "수협은행",
            Nh => "NH농협은행",
            Woori => "우리은행",
            Sc => "SC은행",
            Citi => "씨티은행",
            Daegu => "대구은행",
            Busan => "부산은행",
            Gwangju => "광주은행",
            Jeju => "제주은행",
            Jeonbuk => "전북은행",
            Gyeongnam => "경남은행",
            Mg => "MG새마을금고",
            Shinhyup => "신협",
            SavingsBank => "저축은행",
            Forestry => "산림조합",
            PostOffice => "우체국",
            Hana => "하나은행",
            Shinhan => "신한은행",
            KBank => "케이뱅크",
            KakaoBank => "카카오뱅크",
            TossBank => "토스뱅크",
            SbiSavings => "SBI저축은행",
            KbSecurities => "KB증권",
            MiraeAsset230 | MiraeAsset238 => "미래에셋증권",
            SamsungSecurities => "삼성증권",
            KoreaInvestment => "한국투자증권",
            NhInvestment => "NH투자증권",
            Kyobo => "교보증권",
            HiInvestment => "하이투자증권",
            HyundaiMotorSecurities => "현대차투자증권",
            Kiwoom => "키움증권",
            Ebest => "이베스트증권",
            SkSecurities => "SK증권",
            Daishin => "대신증권",
            Hanwha => "한화투자증권",
            HanaSecurities => "하나증권",
            TossSecurities => "토스증권",
            ShinhanSecurities => "신한투자증권",
            Db => "DB금융투자",
            Eugene => "유진투자",
            Meritz => "메리츠증권",
            TossMoney => "토스머니",
            TossPoint => "토스포인트",
            Other(_) => return None,
        })
    }
}

/// Card company (acquirer) codes (seed 001 §6 "카드사코드 리스트"; seed 002 `cardCompanyCode`).
/// On the wire the code is a number or a numeric string (see [`crate::IntOrString`]); convert with
/// [`CardCompany::from_code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CardCompany {
    /// 신한 (1).
    Shinhan = 1,
    /// 현대 (2).
    Hyundai = 2,
    /// 삼성 (3).
    Samsung = 3,
    /// 국민 (4).
    Kookmin = 4,
    /// 롯데 (5).
    Lotte = 5,
    /// 하나 (6).
    Hana = 6,
    /// 우리 (7).
    Woori = 7,
    /// 농협 (8).
    Nonghyup = 8,
    /// 씨티 (9), listed as not supported ("미지원").
    Citi = 9,
    /// 비씨 BC (10).
    Bc = 10,
}

impl CardCompany {
    /// Every documented card company.
    pub const ALL: &'static [CardCompany] = &[
        CardCompany::Shinhan,
        CardCompany::Hyundai,
        CardCompany::Samsung,
        CardCompany::Kookmin,
        CardCompany::Lotte,
        CardCompany::Hana,
        CardCompany::Woori,
        CardCompany::Nonghyup,
        CardCompany::Citi,
        CardCompany::Bc,
    ];

    /// The company for a documented code.
    pub fn from_code(code: i64) -> Option<Self> {
        CardCompany::ALL.iter().copied().find(|c| c.code() == code)
    }

    /// The numeric code.
    pub fn code(self) -> i64 {
        self as i64
    }

    /// The Korean name as the seed lists it (used in `cardCompanyName`).
    pub fn name_ko(self) -> &'static str {
        match self {
            CardCompany::Shinhan => "신한",
            CardCompany::Hyundai => "현대",
            CardCompany::Samsung => "삼성",
            CardCompany::Kookmin => "국민",
            CardCompany::Lotte => "롯데",
            CardCompany::Hana => "하나",
            CardCompany::Woori => "우리",
            CardCompany::Nonghyup => "농협",
            CardCompany::Citi => "씨티",
            CardCompany::Bc => "비씨",
        }
    }

    /// False for companies the seed marks as not supported (씨티).
    pub fn is_supported(self) -> bool {
        self != CardCompany::Citi
    }
}
