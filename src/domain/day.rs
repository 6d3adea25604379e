//! A calendar day typed into a filter (`2026-12-02`): four-digit years from 1970 to 9999 only,
//! so date arithmetic on it cannot overflow and MySQL can store it.
use time::Date;
use time::macros::format_description;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day(Date);

impl Day {
    pub const FIRST_YEAR: i32 = 1970;

    /// `None` for anything but `YYYY-MM-DD` with a year from 1970 to 9999.
    pub fn parse(text: &str) -> Option<Day> {
        let text = text.trim();
        let shaped = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !shaped {
            return None;
        }
        let date = Date::parse(text, format_description!("[year]-[month]-[day]")).ok()?;
        (date.year() >= Self::FIRST_YEAR).then_some(Day(date))
    }

    pub fn date(self) -> Date {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Day;

    #[test]
    fn only_plain_days_from_1970_on_parse() {
        assert_eq!(
            Day::parse("2026-12-02").map(|d| d.date().to_string()),
            Some("2026-12-02".to_owned())
        );
        for bad in [
            "-9999-01-01",
            "+2026-12-02",
            "0001-01-01",
            "1969-12-31",
            "2026-13-01",
            "2026-02-30",
            "26-12-02",
            "2026-1-2",
            "",
            "２０２６-12-02",
        ] {
            assert_eq!(Day::parse(bad), None, "{bad:?}");
        }
    }
}
