//! The time source. Production uses the system clock; tests move a `ManualClock` to check
//! session idle windows and token expiry without sleeping.
use std::sync::{Arc, Mutex};

use time::{Duration, OffsetDateTime, PrimitiveDateTime};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;

    /// The current UTC time as stored in `DATETIME(6)` columns.
    fn now_utc(&self) -> PrimitiveDateTime {
        let now = self.now().to_offset(time::UtcOffset::UTC);
        // MySQL keeps microseconds; drop the rest so values read back compare equal.
        let micros = now.microsecond();
        let now = now.replace_microsecond(micros).unwrap_or(now);
        PrimitiveDateTime::new(now.date(), now.time())
    }
}

pub type SharedClock = Arc<dyn Clock>;

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that follows real time plus an offset the test controls.
#[derive(Debug, Default)]
pub struct ManualClock {
    offset: Mutex<Duration>,
}

impl ManualClock {
    pub fn advance(&self, by: Duration) {
        let mut offset = self
            .offset
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        *offset += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        let offset = *self
            .offset
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        OffsetDateTime::now_utc() + offset
    }
}
