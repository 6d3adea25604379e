//! A registry of actors keyed by id (one per chat today, one per PDF model next): an actor is
//! started on demand, stops itself when idle and is then forgotten. Every message for one id
//! goes through its actor, so messages to one aggregate are handled one at a time, in order.
//! An actor runs on the thread of the web worker that first asked for it (when the kind says
//! so, `Registered::NEAR_CALLER`, and the caller is a worker: `host_actors_here`), else on one
//! of the registry's arbiters, one thread per core, the one its id picks. A browser keeps its
//! connection to one worker, so its chat's actor, the answer it streams and the response that
//! carries the answer share a thread: no thread hop per piece of the answer. Only the registry
//! starts actors; a message for one already running goes straight to it (`Running`, shared), not
//! through the registry's thread first (two thread hops fewer per message: a chat turn sends two).
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::{BuildHasher, Hash};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use actix::dev::ToEnvelope;
use actix::prelude::*;

/// An actor the registry can host.
pub trait Registered: Actor<Context = Context<Self>> {
    type Id: Copy + Eq + Hash + Debug + Send + Unpin + 'static;
    /// What every new actor gets (cheap to clone; sent to the actor's arbiter).
    type Deps: Clone + Send + Unpin + 'static;
    /// Whether a new actor starts on the web worker that asked for it (light actors whose work is
    /// the caller's response: a chat) rather than on the registry's arbiters.
    const NEAR_CALLER: bool = false;

    /// A new actor for `id`; it must send `Stopped` to `registry` when it stops.
    fn for_id(id: Self::Id, deps: Self::Deps, registry: Recipient<Stopped<Self>>) -> Self;
}

thread_local! {
    /// The arbiter of this thread, when it is a web worker's (set by `host_actors_here`).
    static HOST: RefCell<Option<ArbiterHandle>> = const { RefCell::new(None) };
}

/// Called on each web worker's thread (the server's app factory): actors whose kind is
/// `NEAR_CALLER` may start on this thread's arbiter when a request here first asks for them.
pub fn host_actors_here() {
    if let Some(arbiter) = Arbiter::try_current() {
        HOST.with(|host| *host.borrow_mut() = Some(arbiter));
    }
}

/// This thread's arbiter, when it hosts actors.
fn host_here() -> Option<ArbiterHandle> {
    HOST.with(|host| host.borrow().clone())
}

/// The actors running, by id: written by the registry alone, read by every sender.
struct Running<A: Registered>(RwLock<HashMap<A::Id, Addr<A>>>);

impl<A: Registered> Running<A> {
    /// The actor for `id`, if one is running and takes messages.
    fn get(&self, id: &A::Id) -> Option<Addr<A>> {
        self.read().get(id).filter(|addr| addr.connected()).cloned()
    }

    /// How many take messages (for tests and the admin dashboard).
    fn count(&self) -> usize {
        self.read().values().filter(|addr| addr.connected()).count()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<A::Id, Addr<A>>> {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<A::Id, Addr<A>>> {
        self.0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub struct Registry<A: Registered> {
    deps: A::Deps,
    running: Arc<Running<A>>,
    /// Where the actors run (started with the registry, one per core).
    arbiters: Vec<ArbiterHandle>,
    /// Picks an actor's arbiter from its id.
    spread: std::collections::hash_map::RandomState,
}

impl<A: Registered> Registry<A> {
    fn arbiter_for(&self, id: &A::Id) -> &ArbiterHandle {
        let n = self.arbiters.len() as u64;
        &self.arbiters[(self.spread.hash_one(id) % n) as usize]
    }
}

impl<A: Registered> Actor for Registry<A> {
    type Context = Context<Self>;

    /// Its arbiters end with it (each once the actors on it are done).
    fn stopped(&mut self, _: &mut Self::Context) {
        for arbiter in &self.arbiters {
            arbiter.stop();
        }
    }
}

/// The actor for an id, started if it is not running (on `near`, when given).
pub struct Get<A: Registered> {
    pub id: A::Id,
    pub near: Option<ArbiterHandle>,
}

impl<A: Registered> Message for Get<A> {
    type Result = Addr<A>;
}

/// Sent by a hosted actor that stops.
pub struct Stopped<A: Registered> {
    pub id: A::Id,
    pub addr: Addr<A>,
}

impl<A: Registered> Message for Stopped<A> {
    type Result = ();
}

impl<A: Registered> Handler<Get<A>> for Registry<A> {
    type Result = MessageResult<Get<A>>;

    fn handle(&mut self, Get { id, near }: Get<A>, ctx: &mut Self::Context) -> Self::Result {
        if let Some(addr) = self.running.get(&id) {
            return MessageResult(addr);
        }
        let (deps, registry) = (self.deps.clone(), ctx.address().recipient());
        let arbiter = near.as_ref().unwrap_or_else(|| self.arbiter_for(&id));
        let addr = A::start_in_arbiter(arbiter, move |_| A::for_id(id, deps, registry));
        self.running.write().insert(id, addr.clone());
        MessageResult(addr)
    }
}

impl<A: Registered> Handler<Stopped<A>> for Registry<A> {
    type Result = ();

    fn handle(&mut self, msg: Stopped<A>, _: &mut Self::Context) {
        let mut running = self.running.write();
        if running.get(&msg.id) == Some(&msg.addr) {
            running.remove(&msg.id);
        }
    }
}

/// The handle the rest of the app keeps: delivers a message to an id's actor.
pub struct Actors<A: Registered> {
    registry: Addr<Registry<A>>,
    deps: A::Deps,
    running: Arc<Running<A>>,
}

impl<A: Registered> Clone for Actors<A> {
    fn clone(&self) -> Self {
        Actors {
            registry: self.registry.clone(),
            deps: self.deps.clone(),
            running: Arc::clone(&self.running),
        }
    }
}

impl<A: Registered> Actors<A> {
    pub fn start(deps: A::Deps) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let running = Arc::new(Running(RwLock::new(HashMap::new())));
        let registry = Registry {
            deps: deps.clone(),
            running: Arc::clone(&running),
            arbiters: (0..cores).map(|_| Arbiter::new().handle()).collect(),
            spread: Default::default(),
        }
        .start();
        Actors {
            registry,
            deps,
            running,
        }
    }

    pub fn deps(&self) -> &A::Deps {
        &self.deps
    }

    /// Delivers `msg`; if the actor stopped (idle) in between, a fresh one gets it.
    pub async fn send<M>(&self, id: A::Id, msg: M) -> Result<M::Result, MailboxError>
    where
        M: Message + Clone + Send + 'static,
        M::Result: Send,
        A: Handler<M>,
        A::Context: ToEnvelope<A, M>,
    {
        let mut last_error = MailboxError::Closed;
        for _ in 0..5 {
            let addr = match self.running.get(&id) {
                Some(addr) => addr,
                None => {
                    let near = if A::NEAR_CALLER { host_here() } else { None };
                    self.registry.send(Get::<A> { id, near }).await?
                }
            };
            match addr.send(msg.clone()).await {
                Ok(result) => return Ok(result),
                Err(error) => last_error = error,
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Err(last_error)
    }

    /// How many actors are running (for tests and the admin dashboard).
    pub fn running(&self) -> usize {
        self.running.count()
    }
}
