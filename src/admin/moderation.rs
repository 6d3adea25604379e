//! Blocking a user, as one use case: the `UserBlocked` event (their sessions stop holding them
//! at once) and every answer being written for them stopped and saved. Instances that write
//! one of their answers elsewhere stop it when they see the block (`chat::blocked`).
use crate::accounts::{AccountError, Accounts};
use crate::chat::service::ChatService;

pub async fn block(
    accounts: &Accounts,
    chats: &ChatService,
    user_id: &str,
    reason: Option<String>,
    admin: &str,
) -> Result<(), AccountError> {
    accounts.block(user_id, reason, admin).await?;
    chats.stop_all_for(user_id).await?;
    Ok(())
}
