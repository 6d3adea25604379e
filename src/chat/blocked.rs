//! A blocked user's answers stop on every instance. The admin's instance stops its own at once
//! (`ChatService::stop_all_for`); every instance also looks, twice a second, for answers it is
//! writing whose owner is blocked, and stops them (saved as stopped, like a user's Stop). It
//! reads the state, not the events: a block decided anywhere (or missed while this instance
//! was busy) is seen at the next look, and no instance needs another's address.
use std::time::Duration;

use sqlx::MySqlPool;
use uuid::Uuid;

use super::Chats;
use super::actor::Stop;
use crate::store::instances;

/// How often each instance looks for blocked users' answers.
pub const LOOK_EVERY: Duration = Duration::from_millis(500);

pub fn spawn(pool: MySqlPool, chats: Chats, instance_id: Uuid) {
    actix_web::rt::spawn(async move {
        let mut ticks = tokio::time::interval(LOOK_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(error) = stop_blocked(&pool, &chats, instance_id).await {
                tracing::warn!(%error, "Could not look for blocked users' answers");
            }
        }
    });
}

/// Stops this instance's answers of blocked users; returns how many it stopped.
pub async fn stop_blocked(
    pool: &MySqlPool,
    chats: &Chats,
    instance_id: Uuid,
) -> Result<usize, sqlx::Error> {
    let mut stopped = 0;
    for chat_id in instances::answers_of_blocked_users(pool, &instance_id.to_string()).await? {
        let Ok(id) = Uuid::parse_str(&chat_id) else {
            continue;
        };
        match chats.send(id, Stop).await {
            Ok(true) => {
                stopped += 1;
                tracing::info!(%chat_id, "Stopped an answer of a blocked user");
            }
            // Already stopping (its save is on the way), or settled by recovery.
            Ok(false) => {}
            Err(error) => tracing::warn!(%chat_id, %error, "Could not reach the chat's actor"),
        }
    }
    Ok(stopped)
}
