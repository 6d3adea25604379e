//! Password hashing with argon2id (the crate's defaults are OWASP's: m=19 MiB, t=2, p=1),
//! never on the async runtime.
//!
//! Each hash takes 19 MiB and a core for tens of milliseconds, so hashing runs on a few threads
//! of its own (one fewer than the cores, at least one: the chat path keeps a core) with a short
//! queue. A storm of logins waits in that queue or, beyond it, gets "busy, retry shortly" at
//! once; it can neither take all the memory (the blocking pool would run every hash at the same
//! time, and the allocator keeps what they freed) nor all the CPU.
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, LazyLock, Mutex};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use secrecy::{ExposeSecret, SecretString};

/// Hashes waiting for a thread before new ones are refused.
const QUEUE: usize = 64;

type Job = Box<dyn FnOnce() + Send>;

struct HashPool {
    jobs: SyncSender<Job>,
}

/// One fewer than the cores, at least one.
fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get().saturating_sub(1))
        .max(1)
}

static POOL: LazyLock<HashPool> = LazyLock::new(|| {
    let threads = threads();
    let (jobs, queue) = sync_channel::<Job>(QUEUE);
    let queue = Arc::new(Mutex::new(queue));
    for n in 0..threads {
        let queue = Arc::clone(&queue);
        std::thread::Builder::new()
            .name(format!("password-hash-{n}"))
            .spawn(move || work(&queue))
            .expect("a password hashing thread starts");
    }
    HashPool { jobs }
});

fn work(queue: &Mutex<Receiver<Job>>) {
    lower_priority();
    loop {
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        match job {
            // A panicking job drops its reply (the caller gets `Lost`); the thread lives on.
            Ok(job) => {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            }
            Err(_) => return,
        }
    }
}

/// Hashing yields the CPU to everything else (chat answers, pages): nice 10 for this thread.
#[cfg(target_os = "linux")]
fn lower_priority() {
    // SAFETY: plain system call; on Linux `who = 0` is the calling thread.
    let _ = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 10) };
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

/// Requests that check a password (logins, registrations) come in through this door, as many at
/// once as the hashing threads and their queue can take. The rest are told "busy, retry
/// shortly" before they cost a database round trip (rate-limit counters, account lookups,
/// sessions): a storm of logins cannot crowd out of the connection pool the chats and pages
/// that need it.
static DOOR: LazyLock<Arc<tokio::sync::Semaphore>> =
    LazyLock::new(|| Arc::new(tokio::sync::Semaphore::new(threads() + QUEUE)));

/// A place inside the door, held until the request ends.
#[must_use = "the place is given back when this is dropped"]
pub struct Admitted {
    _place: tokio::sync::OwnedSemaphorePermit,
}

/// A place for one more request that checks a password; `Busy` when the door is full.
pub fn admit() -> Result<Admitted, HashError> {
    match Arc::clone(&DOOR).try_acquire_owned() {
        Ok(place) => Ok(Admitted { _place: place }),
        Err(_) => {
            tracing::warn!("Too many password checks at once: asking the client to retry");
            Err(HashError::Busy)
        }
    }
}

/// Runs `f` on a hashing thread; `Busy` when the queue is full.
async fn on_hash_thread<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, HashError> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    let span = tracing::Span::current();
    let job: Job = Box::new(move || {
        let _entered = span.enter();
        let _ = reply.send(f());
    });
    match POOL.jobs.try_send(job) {
        Ok(()) => answer.await.map_err(|_| HashError::Lost),
        Err(TrySendError::Full(_)) => {
            tracing::warn!("Password hashing queue is full: asking the client to retry");
            Err(HashError::Busy)
        }
        Err(TrySendError::Disconnected(_)) => Err(HashError::Lost),
    }
}

/// A valid hash of a random password: verifying against it costs the same as a real check, so
/// a login for an unknown user takes as long as one with a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$\
    gZiV/M1gPc22ElAH/Jh1Hw$CWOrkoo7oJBQ/iyh7uJ0LO2aLEfrHwTWllSAxT0zRno";

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// Too many hashes waiting: the client should retry in a moment (503, `Retry-After`).
    #[error("password hashing is busy")]
    Busy,
    #[error("the hashing thread dropped the job")]
    Lost,
}

pub async fn hash(password: SecretString) -> Result<String, HashError> {
    on_hash_thread(move || {
        Argon2::default()
            .hash_password(password.expose_secret().as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| HashError::Hash(e.to_string()))
    })
    .await?
}

/// `Ok(false)` for a wrong password (or an unreadable stored hash).
pub async fn verify(
    password: SecretString,
    stored_hash: Option<String>,
) -> Result<bool, HashError> {
    on_hash_thread(move || {
        let known = stored_hash.is_some();
        let stored = stored_hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            tracing::error!("A stored password hash cannot be parsed");
            return false;
        };
        let matches = Argon2::default()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok();
        known && matches
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let hash = hash(SecretString::from("correct horse battery"))
            .await
            .expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(
            verify(
                SecretString::from("correct horse battery"),
                Some(hash.clone())
            )
            .await
            .unwrap()
        );
        assert!(
            !verify(SecretString::from("wrong"), Some(hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn unknown_users_never_verify() {
        assert!(!verify(SecretString::from("anything"), None).await.unwrap());
    }
}
