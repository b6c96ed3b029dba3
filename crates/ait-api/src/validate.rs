//! Validation of requests against the rules in the seeds.
//!
//! Every request type implements [`Validate`]; a request that breaks a rule yields a [`ValidationError`] naming
//! the wire field and the [`Rule`]. The sandbox rejects such requests the way Toss documents; the partner server
//! checks its own requests before sending them. Each rule function cites the section of the seed it comes from.
//!
//! Lengths are counted in Unicode scalar values (characters), as the documents say "자" (characters).

use core::fmt;

/// A request that can be checked against the documented rules before it is sent or served.
pub trait Validate {
    /// `Ok(())` if every rule holds, else the first broken rule (in field order).
    fn validate(&self) -> Result<(), ValidationError>;
}

/// Which rule a value broke. `Display` gives a stable snake_case identifier (e.g. `max_length`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// A required field is missing.
    Required,
    /// The value is empty or only whitespace.
    NotBlank,
    /// Longer than the documented maximum (in characters).
    MaxLength(usize),
    /// Contains a character outside the documented set.
    Charset,
    /// Contains a character the documents forbid.
    ForbiddenChar(char),
    /// A number outside the documented range (inclusive).
    Range {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// A value not in the documented closed list.
    UnknownValue,
    /// None of several alternative fields is present (e.g. `payToken` or `orderNo`).
    OneOfRequired,
    /// Inconsistent with another field (e.g. a tax-free part larger than the total).
    Consistency,
    /// Not in the documented format (e.g. a UUID).
    Format,
}

impl Rule {
    /// Stable identifier of the rule kind.
    pub fn id(&self) -> &'static str {
        match self {
            Rule::Required => "required",
            Rule::NotBlank => "not_blank",
            Rule::MaxLength(_) => "max_length",
            Rule::Charset => "charset",
            Rule::ForbiddenChar(_) => "forbidden_char",
            Rule::Range { .. } => "range",
            Rule::UnknownValue => "unknown_value",
            Rule::OneOfRequired => "one_of_required",
            Rule::Consistency => "consistency",
            Rule::Format => "format",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A request broke a documented rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field} ({rule}): {message}")]
pub struct ValidationError {
    /// The wire (camelCase) name of the field, e.g. `orderNo`.
    pub field: String,
    /// The rule broken.
    pub rule: Rule,
    /// What is wrong, in English, for developers.
    pub message: String,
}

impl ValidationError {
    /// Builds an error.
    pub fn new(field: impl Into<String>, rule: Rule, message: impl Into<String>) -> Self {
        ValidationError {
            field: field.into(),
            rule,
            message: message.into(),
        }
    }
}

/// A string enum with a catch-all: lets [`known_value`] reject values outside the documented list.
pub trait WireEnum {
    /// The wire spelling.
    fn wire_str(&self) -> &str;
    /// True for a documented value.
    fn is_documented(&self) -> bool;
}

type R = Result<(), ValidationError>;

/// Longest `orderNo` (seed 001 §1 "50자 이내"; seed 000 schema "Max Length 50"; seed 002 "maxLen: 50").
pub const ORDER_NO_MAX_LEN: usize = 50;
/// Special characters allowed in `orderNo` besides ASCII letters and digits: the characters that every seed
/// allows (see [`order_no`]).
pub const ORDER_NO_SPECIALS: &str = "_-:.^@";
/// Longest `productDesc` (seed 001 §1 "총 255자 이내"; seed 002 "maxLen: 255").
pub const PRODUCT_DESC_MAX_LEN: usize = 255;
/// Characters `productDesc` must not contain (seed 001 §1: "백슬래시 \ 와 따옴표"; see [`product_desc`]).
pub const PRODUCT_DESC_FORBIDDEN: &[char] = &['\\', '"', '\''];
/// Largest amount: amounts have at most 7 digits (seed 000 make-payment schema "Max Length 7";
/// seed 002 "amount … maxLen: 7").
pub const AMOUNT_MAX: i64 = 9_999_999;
/// Longest `payToken` (seed 000 execute/refund schema "Max Length 30"; seed 002 reply "maxLen: 30").
pub const PAY_TOKEN_MAX_LEN: usize = 30;
/// Longest refund `reason` (seed 000 refund-payment schema "Max Length 55").
pub const REFUND_REASON_MAX_LEN: usize = 55;
/// Special characters allowed in a refund `reason` besides Hangul, ASCII letters and digits
/// (seed 001 §4 / seed 000 개발하기 §4: "_ - : . ^ @ ( ) [ ] # / ! % ? &").
pub const REFUND_REASON_SPECIALS: &str = "_-:.^@()[]#/!%?&";
/// Largest installment count (seed 002 `spreadOut`: "0(일시불) ~ 12개월까지").
pub const SPREAD_OUT_MAX: i64 = 12;
/// Longest `enablePayMethods` (seed 000 make-payment schema "Max Length 100").
pub const ENABLE_PAY_METHODS_MAX_LEN: usize = 100;

/// `field` must be present.
pub fn required<T>(field: &str, value: &Option<T>) -> R {
    match value {
        Some(_) => Ok(()),
        None => Err(ValidationError::new(
            field,
            Rule::Required,
            format!("{field} is required"),
        )),
    }
}

/// `field` must not be empty or whitespace only.
pub fn not_blank(field: &str, value: &str) -> R {
    if value.trim().is_empty() {
        Err(ValidationError::new(
            field,
            Rule::NotBlank,
            format!("{field} must not be blank"),
        ))
    } else {
        Ok(())
    }
}

/// `field` must have at most `max` characters.
pub fn max_chars(field: &str, value: &str, max: usize) -> R {
    let n = value.chars().count();
    if n > max {
        Err(ValidationError::new(
            field,
            Rule::MaxLength(max),
            format!("{field} has {n} characters; at most {max} are allowed"),
        ))
    } else {
        Ok(())
    }
}

/// A non-blank string of at most `max` characters (tokens, keys, codes).
pub fn token(field: &str, value: &str, max: Option<usize>) -> R {
    not_blank(field, value)?;
    match max {
        Some(max) => max_chars(field, value, max),
        None => Ok(()),
    }
}

/// `orderNo`: 1–50 characters from ASCII letters, digits and `_ - : . ^ @`.
///
/// Sources: seed 001 §1 "결제 생성하기" (`'숫자, 영문자, 특수문자 _-:~.^@' 만 사용 가능하며, 50자 이내`);
/// seed 000 TossPay "개발하기 §1" and the make-payment/execute-payment schema (`_-:.^@`, Max Length 50);
/// seed 002 `orderNo` (`_ - : . ^ @ =`, maxLen 50).
///
/// The seeds disagree on the special characters: seed 001 adds `~`, seed 002 (billing) adds `=`. We accept
/// only the characters every seed allows, so an `orderNo` we accept is accepted by every Toss API (a partner
/// can use one generator for TossPay and billing), and the sandbox never lets through a number live Toss
/// might reject. `~` and `=` are rejected with [`Rule::Charset`].
pub fn order_no(field: &str, value: &str) -> R {
    if value.is_empty() {
        return Err(ValidationError::new(
            field,
            Rule::NotBlank,
            format!("{field} must not be empty"),
        ));
    }
    max_chars(field, value, ORDER_NO_MAX_LEN)?;
    if let Some(c) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || ORDER_NO_SPECIALS.contains(*c)))
    {
        return Err(ValidationError::new(
            field,
            Rule::Charset,
            format!("{field} contains {c:?}; only ASCII letters, digits and {ORDER_NO_SPECIALS} are allowed"),
        ));
    }
    Ok(())
}

/// `productDesc`: not blank, no backslash or quote, at most 255 characters.
///
/// Source: seed 001 §1 / seed 000 TossPay 개발하기 §1 ("상품 설명은 공백으로만 설정할 수 없고, 백슬래시 \ 와
/// 따옴표 ,를 포함할 수 없으며 총 255자 이내"); seed 000 schema and seed 002 (Max Length 255).
/// The quote character itself was lost from the pages (`따옴표 ,`); we forbid both ASCII quotes `"` and `'`
/// so that nothing we accept can be rejected live.
pub fn product_desc(field: &str, value: &str) -> R {
    not_blank(field, value)?;
    if let Some(c) = value.chars().find(|c| PRODUCT_DESC_FORBIDDEN.contains(c)) {
        return Err(ValidationError::new(
            field,
            Rule::ForbiddenChar(c),
            format!("{field} must not contain a backslash or a quote (found {c:?})"),
        ));
    }
    max_chars(field, value, PRODUCT_DESC_MAX_LEN)
}

/// An amount: 0 ≤ value ≤ 9,999,999 (at most 7 digits, never negative).
///
/// Source: seed 000 make-payment schema (`amount`, `amountTaxFree`, `amountTaxable`, `amountVat`,
/// `amountServiceFee`: "Max Length 7"); seed 002 (the same fields, "maxLen: 7").
pub fn amount(field: &str, value: i64) -> R {
    if (0..=AMOUNT_MAX).contains(&value) {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            Rule::Range {
                min: 0,
                max: AMOUNT_MAX,
            },
            format!("{field} is {value}; amounts are 0 to {AMOUNT_MAX} (at most 7 digits)"),
        ))
    }
}

/// The total `amount` of a payment: 1 ≤ value ≤ 9,999,999. A payment of 0 has nothing to authorise; the seeds
/// imply a positive total ("총 결제 금액") without stating a minimum.
pub fn total_amount(field: &str, value: i64) -> R {
    if (1..=AMOUNT_MAX).contains(&value) {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            Rule::Range {
                min: 1,
                max: AMOUNT_MAX,
            },
            format!("{field} is {value}; a payment total is 1 to {AMOUNT_MAX}"),
        ))
    }
}

/// Checks the amount block of a payment (make-payment and billing share it): `amount` is a positive 7-digit
/// number, `amountTaxFree` is required (seed 001 §1: "비과세액은 필수값이니 빈 값으로 보내주시는 경우 에러가
/// 발생합니다"; seed 002: "필수 체크는 총금액(amount)과 비과세 금액(amountTaxFree)만 체크합니다"), every part is a
/// 7-digit amount, and no part exceeds the total.
pub fn amounts(
    amount_total: i64,
    tax_free: Option<i64>,
    taxable: Option<i64>,
    vat: Option<i64>,
    service_fee: Option<i64>,
) -> R {
    total_amount("amount", amount_total)?;
    required("amountTaxFree", &tax_free)?;
    for (field, part) in [
        ("amountTaxFree", tax_free),
        ("amountTaxable", taxable),
        ("amountVat", vat),
        ("amountServiceFee", service_fee),
    ] {
        if let Some(v) = part {
            amount(field, v)?;
            if v > amount_total {
                return Err(ValidationError::new(
                    field,
                    Rule::Consistency,
                    format!("{field} ({v}) exceeds amount ({amount_total})"),
                ));
            }
        }
    }
    Ok(())
}

/// True for a Hangul syllable (가–힣) or compatibility jamo (ㄱ–ㆎ).
fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c) || ('\u{3131}'..='\u{318E}').contains(&c)
}

/// Refund `reason`: required, 1–55 characters from Hangul, ASCII letters, digits and
/// `_ - : . ^ @ ( ) [ ] # / ! % ? &`.
///
/// Sources: seed 001 §4 "결제 환불하기" and seed 000 TossPay 개발하기 §4 (required; "한글 및 숫자, 영문자,
/// 특수문자 _ - : . ^ @ ( ) [ ] # / ! % ? & 만 허용"); seed 000 refund-payment schema (Max Length 55, but
/// not marked required: the guides' "필수 Y" wins, the stricter reading). The list has no space, so spaces are
/// rejected: use `_` or no separator.
pub fn refund_reason(field: &str, value: &str) -> R {
    if value.is_empty() {
        return Err(ValidationError::new(
            field,
            Rule::NotBlank,
            format!("{field} must not be empty"),
        ));
    }
    max_chars(field, value, REFUND_REASON_MAX_LEN)?;
    if let Some(c) = value.chars().find(|c| {
        !(c.is_ascii_alphanumeric() || is_hangul(*c) || REFUND_REASON_SPECIALS.contains(*c))
    }) {
        return Err(ValidationError::new(
            field,
            Rule::Charset,
            format!(
                "{field} contains {c:?}; only Hangul, ASCII letters, digits and {REFUND_REASON_SPECIALS} are allowed"
            ),
        ));
    }
    Ok(())
}

/// `spreadOut` (card installment months): 0 (lump sum) to 12.
/// Source: seed 002 `spreadOut` ("0(일시불) ~ 12개월까지 숫자 형태로 선언합니다").
pub fn spread_out(field: &str, value: i64) -> R {
    if (0..=SPREAD_OUT_MAX).contains(&value) {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            Rule::Range {
                min: 0,
                max: SPREAD_OUT_MAX,
            },
            format!("{field} is {value}; installments are 0 (lump sum) to {SPREAD_OUT_MAX} months"),
        ))
    }
}

/// An enum field of a request must hold one of the documented values (no `Other`).
pub fn known_value<E: WireEnum>(field: &str, value: &E) -> R {
    if value.is_documented() {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            Rule::UnknownValue,
            format!(
                "{field} is {:?}, which is not a documented value",
                value.wire_str()
            ),
        ))
    }
}

/// A UUID in its textual form (8-4-4-4-12 hex digits), any version.
///
/// Source: seed 000 인앱결제 "4. 주문 조회하기" (`orderId`: "결제 생성 후 취득한 주문번호(uuid v7)"). The same
/// section's example `13c9a1ff-2baa-4495-bbfa-a0826ba8c7c0` is a version-4 UUID, so we check the form, not
/// the version.
pub fn uuid(field: &str, value: &str) -> R {
    let groups: Vec<&str> = value.split('-').collect();
    let ok = groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()));
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            Rule::Format,
            format!("{field} is not a UUID (8-4-4-4-12 hex digits)"),
        ))
    }
}
