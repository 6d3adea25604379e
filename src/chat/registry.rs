//! The registry actor: one `ChatActor` per chat, started on demand and forgotten when it stops
//! itself after being idle. Every command for a chat goes through its actor, so commands to one
//! chat are handled one at a time, in arrival order.
use std::collections::HashMap;

use actix::prelude::*;
use uuid::Uuid;

use super::actor::{ChatActor, ChatDeps};

pub struct ChatRegistry {
    deps: ChatDeps,
    chats: HashMap<Uuid, Addr<ChatActor>>,
}

impl ChatRegistry {
    pub fn new(deps: ChatDeps) -> Self {
        ChatRegistry {
            deps,
            chats: HashMap::new(),
        }
    }
}

impl Actor for ChatRegistry {
    type Context = Context<Self>;
}

/// The actor of a chat, started if it is not running.
#[derive(Message)]
#[rtype(result = "Addr<ChatActor>")]
pub struct GetChat(pub Uuid);

/// Sent by a chat actor that stops.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ChatStopped {
    pub chat_id: Uuid,
    pub addr: Addr<ChatActor>,
}

/// How many chat actors are running (for tests and the admin dashboard).
#[derive(Message)]
#[rtype(result = "usize")]
pub struct RunningChats;

impl Handler<GetChat> for ChatRegistry {
    type Result = MessageResult<GetChat>;

    fn handle(&mut self, GetChat(chat_id): GetChat, ctx: &mut Self::Context) -> Self::Result {
        if let Some(addr) = self.chats.get(&chat_id).filter(|addr| addr.connected()) {
            return MessageResult(addr.clone());
        }
        let addr = ChatActor::new(chat_id, self.deps.clone(), ctx.address()).start();
        self.chats.insert(chat_id, addr.clone());
        MessageResult(addr)
    }
}

impl Handler<ChatStopped> for ChatRegistry {
    type Result = ();

    fn handle(&mut self, msg: ChatStopped, _: &mut Self::Context) {
        if self.chats.get(&msg.chat_id) == Some(&msg.addr) {
            self.chats.remove(&msg.chat_id);
        }
    }
}

impl Handler<RunningChats> for ChatRegistry {
    type Result = usize;

    fn handle(&mut self, _: RunningChats, _: &mut Self::Context) -> usize {
        self.chats.values().filter(|addr| addr.connected()).count()
    }
}

/// The handle the web layer keeps: sends a message to a chat's actor, starting it if needed.
#[derive(Clone)]
pub struct Chats {
    registry: Addr<ChatRegistry>,
}

impl Chats {
    pub fn start(deps: ChatDeps) -> Self {
        Chats {
            registry: ChatRegistry::new(deps).start(),
        }
    }

    /// Delivers `msg`; if the actor stopped (idle) in between, a fresh one gets it.
    pub async fn send<M>(&self, chat_id: Uuid, msg: M) -> Result<M::Result, MailboxError>
    where
        M: Message + Clone + Send + 'static,
        M::Result: Send,
        super::actor::ChatActor: Handler<M>,
    {
        let mut last_error = MailboxError::Closed;
        for _ in 0..5 {
            let addr = self.registry.send(GetChat(chat_id)).await?;
            match addr.send(msg.clone()).await {
                Ok(result) => return Ok(result),
                Err(e) => last_error = e,
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        Err(last_error)
    }

    pub async fn running(&self) -> Result<usize, MailboxError> {
        self.registry.send(RunningChats).await
    }
}
