//! JSON Schema's integers, as serde reads them for the admin API: a description that says `integer`
//! promises that `375.0` is accepted (JSON Schema counts a number with a zero fraction as an integer),
//! and one that says a field is an integer when given promises that `null` is refused.

use serde::de::Error;
use serde::{Deserialize, Deserializer};

/// The largest magnitude up to which f64 holds every integer (2^53).
const EXACT: f64 = 9_007_199_254_740_992.0;

/// An integer of type `T`, written `375` or `375.0`; refuses fractions, `null` and values out of range.
pub(crate) fn integer<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i128>,
{
    let n = serde_json::Number::deserialize(d)?;
    let whole = n
        .as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
        .or_else(|| {
            // A number with a fraction or an exponent: an integer only where f64 holds every integer
            // exactly, so that -9223372036854775809 is not read as i64::MIN.
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() <= EXACT)
                .map(|f| f as i128)
        });
    whole
        .and_then(|w| T::try_from(w).ok())
        .ok_or_else(|| D::Error::custom(format!("{n} is not an integer in range")))
}

/// An optional integer: absent is `None` (with `#[serde(default)]`), `null` is refused.
pub(crate) fn given_integer<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i128>,
{
    integer(d).map(Some)
}

/// An optional value: absent is `None` (with `#[serde(default)]`), `null` is refused.
pub(crate) fn given<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Sample {
        #[serde(deserialize_with = "super::integer")]
        count: u32,
        #[serde(default, deserialize_with = "super::given_integer")]
        times: Option<u32>,
        #[serde(default, deserialize_with = "super::given")]
        name: Option<String>,
    }

    fn parse(json: &str) -> Result<Sample, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn integers_with_a_zero_fraction_are_integers() {
        let sample = parse(r#"{"count": 375.0, "times": 2.0}"#).unwrap();
        assert_eq!((sample.count, sample.times), (375, Some(2)));
        assert_eq!(parse(r#"{"count": 375}"#).unwrap().times, None);
    }

    #[derive(Debug, Deserialize)]
    struct Code {
        #[serde(deserialize_with = "super::integer")]
        code: i64,
    }

    #[test]
    fn an_integer_just_past_i64_is_refused_not_rounded() {
        let code = |json: &str| serde_json::from_str::<Code>(json).map(|c| c.code);
        assert_eq!(code(r#"{"code": -9223372036854775808}"#).unwrap(), i64::MIN);
        assert!(code(r#"{"code": -9223372036854775809}"#).is_err());
        assert!(code(r#"{"code": 9223372036854775808}"#).is_err());
    }

    #[test]
    fn fractions_nulls_and_values_out_of_range_are_refused() {
        for json in [
            r#"{"count": 1.5}"#,
            r#"{"count": -1}"#,
            r#"{"count": 4294967296}"#,
            r#"{"count": 1e300}"#,
            r#"{"count": 1e17}"#,
            r#"{"count": null}"#,
            r#"{"count": "1"}"#,
            r#"{"count": 1, "times": null}"#,
            r#"{"count": 1, "name": null}"#,
        ] {
            assert!(parse(json).is_err(), "{json}");
        }
    }
}
