//! The cluster test's scene and its acts: set up (3 Galera nodes, nginx, instances A on node 1
//! and B on node 2), the faults under load, the settling, the checks across instances and on
//! every node. Failures of the app are collected, so one run reports all of them.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::galera::Cluster;
use crate::instance::Instance;
use crate::load::{self, Attempt, Figures, Load};
use crate::nginx::Nginx;
use crate::report::{
    Appends, Tally, cpu, epoch_seconds, errors, keep_logs, note, print_figures, utc_now,
};
use crate::stage::Stage;
use crate::support::{free_port, none_left, tail, wait_for};
use crate::{DATABASE, STALL, USERS, across, checks};

pub struct Scene {
    pub stage: Stage,
    pub cluster: Cluster,
    pub nginx: Nginx,
    pub a: Instance,
    pub b: Instance,
    pub load: Arc<Load>,
    pub load_began: Instant,
    appends: Appends,
    spool_most: AtomicUsize,
    phases: Vec<(String, Duration)>,
    failures: Vec<String>,
}

impl Scene {
    /// The cluster, nginx (first: it names the instances' ports), both instances started at
    /// once (as after a deployment: the migrations must still run once), `USERS` people
    /// registered through nginx.
    pub async fn set_up() -> (Scene, Vec<reqwest::Client>) {
        let began = Instant::now();
        let stage = Stage::new();
        let cluster = Cluster::galera(3).await;
        let cluster_took = began.elapsed();
        let (port_a, port_b) = (free_port(), free_port());
        let (host_a, host_b) = (format!("127.0.0.1:{port_a}"), format!("127.0.0.1:{port_b}"));
        let nginx = Nginx::start(&[&host_a, &host_b]).await;
        let mut a = Instance::new(
            "A",
            stage.root.path().join("a"),
            port_a,
            &stage.settings(&nginx.address, &cluster.url(0)),
        );
        let mut b = Instance::new(
            "B",
            stage.root.path().join("b"),
            port_b,
            &stage.settings(&nginx.address, &cluster.url(1)),
        );
        let (a_took, b_took) = futures::future::join(a.start(), b.start()).await;
        let people = load::register(&nginx.address, "person", USERS).await;
        eprintln!(
            "cluster test on {}: 3 Galera nodes synced in {:.1} s, A started in {:.1} s, B in \
             {:.1} s, {USERS} people registered through nginx; ready after {:.1} s",
            cpu(),
            cluster_took.as_secs_f64(),
            a_took.as_secs_f64(),
            b_took.as_secs_f64(),
            began.elapsed().as_secs_f64()
        );
        stage.upstream.set_default_delay(crate::UPSTREAM_DELAY_MS);
        let scene = Scene {
            stage,
            cluster,
            nginx,
            a,
            b,
            load: Arc::new(Load::default()),
            load_began: Instant::now(),
            appends: Appends::default(),
            spool_most: AtomicUsize::new(0),
            phases: Vec::new(),
            failures: Vec::new(),
        };
        (scene, people)
    }

    fn database(&self, n: usize) -> String {
        format!("{}/{DATABASE}", self.cluster.url(n))
    }

    /// The steady phase, then node 1 and instance A die and come back; the people stop at
    /// the end, or when a step failed. Returns the steady phase's window.
    pub async fn faults(&mut self) -> Result<(Instant, Instant), String> {
        let outcome = self.steady_then_faults().await;
        self.load.stop();
        outcome
    }

    async fn steady_then_faults(&mut self) -> Result<(Instant, Instant), String> {
        let window = crate::steady_phase(&self.load).await;
        self.node_dies().await?;
        self.instance_dies().await?;
        self.both_come_back().await?;
        Ok(window)
    }

    /// Instance A's node dies (what A appended is read first: `kill -9` takes the count).
    async fn node_dies(&mut self) -> Result<(), String> {
        self.appends.add(self.a.appends().await);
        let (started, killed_at) = (Instant::now(), utc_now());
        self.cluster.kill9(0);
        let (a, load, stage, most) = (&self.a, &self.load, &self.stage, &self.spool_most);
        let before = load.completed();
        let refused = wait_for("A answers 503 without its node", STALL, || async {
            a.health().await == Some(503)
        })
        .await?;
        self.cluster.wait_size(1, 2, STALL).await?;
        wait_for("20 turns through B after node 1 died", STALL, || async {
            most.fetch_max(stage.spooled(), Ordering::SeqCst);
            load.completed() >= before + 20
        })
        .await?;
        let what = format!(
            "node 1 killed {:.1} s into the load ({killed_at} UTC): A's /healthz said 503 after \
             {:.1} s; 20 turns through B",
            (started - self.load_began).as_secs_f64(),
            refused.as_secs_f64()
        );
        note(&mut self.phases, (what, started.elapsed()));
        Ok(())
    }

    /// Instance A dies too, with what its dead node left it: answers kept in the shared spool.
    async fn instance_dies(&mut self) -> Result<(), String> {
        let (started, killed_at) = (Instant::now(), utc_now());
        self.a.kill9();
        let (load, stage) = (&self.load, &self.stage);
        let before = load.completed();
        wait_for("20 turns through B after A died", STALL, || async {
            load.completed() >= before + 20
        })
        .await?;
        none_left(
            "A's kept answers saved from the shared spool",
            STALL,
            || async { stage.spooled() },
        )
        .await?;
        let what = format!(
            "A killed {:.1} s into the load ({killed_at} UTC): 20 turns through B, the shared \
             spool emptied",
            (started - self.load_began).as_secs_f64()
        );
        note(&mut self.phases, (what, started.elapsed()));
        Ok(())
    }

    /// The node recovers its position and catches up, then A starts and serves again.
    async fn both_come_back(&mut self) -> Result<(), String> {
        let started = Instant::now();
        let position = self.cluster.rejoin(0).await;
        let node_back = started.elapsed();
        self.a.start().await;
        let a_back = Instant::now();
        let (nginx, a_address, since) = (&self.nginx, self.a.host_port(), epoch_seconds());
        wait_for(
            "nginx passes A 10 prompts answered 200 again",
            STALL,
            || async {
                let served = nginx.access_log().into_iter().filter(|l| {
                    l.at >= since
                        && l.method == "POST"
                        && l.status == 200
                        && l.upstreams.ends_with(&a_address)
                });
                served.count() >= 10
            },
        )
        .await?;
        let what = format!(
            "node 1 back ({}, synced after {:.1} s), A started, 10 prompts through A in {:.1} s",
            position.map_or("full state transfer".to_owned(), |p| format!(
                "recovered {p}, missed writes by IST"
            )),
            node_back.as_secs_f64(),
            a_back.elapsed().as_secs_f64()
        );
        note(&mut self.phases, (what, started.elapsed()));
        Ok(())
    }

    /// The last words of the instances and nginx, for a harness failure.
    pub fn tails(&self) -> String {
        format!(
            "A:\n{}\nB:\n{}\nnginx:\n{}",
            tail(&self.a.log(), 30),
            tail(&self.b.log(), 30),
            tail(&self.nginx.error_log(), 20)
        )
    }

    /// Waits until no answer is left streaming (a killed instance's answers are settled by
    /// the others); false when one stays.
    pub async fn settle(&mut self, what: &str) -> bool {
        let started = Instant::now();
        let node = self.database(1);
        let settled = none_left("no answer left streaming", STALL, || async {
            checks::streaming(&node).await.unwrap_or(usize::MAX)
        })
        .await;
        note(&mut self.phases, (what.to_owned(), started.elapsed()));
        match settled {
            Ok(()) => true,
            Err(error) => {
                self.failures.push(error);
                false
            }
        }
    }

    /// Block, follow and stop across the instances (through their own addresses), each with a
    /// person of its own.
    pub async fn across(&mut self) {
        let started = Instant::now();
        self.stage.upstream.set_default_delay(100);
        let (nginx, a, b) = (&self.nginx.address, self.a.address(), self.b.address());
        let blocked = load::register_one(nginx, "blockeduser".to_owned()).await;
        let follower = load::register_one(nginx, "followeruser".to_owned()).await;
        let stopper = load::register_one(nginx, "stopperuser".to_owned()).await;
        let results = match self.user_id("blockeduser").await {
            Ok(user_id) => vec![
                across::block(&blocked, &user_id, &a, &b).await,
                across::follow(&follower, &a, &b).await,
                across::stop(&stopper, &a, &b).await,
            ],
            Err(error) => vec![Err(error)],
        };
        for result in results {
            match result {
                Ok(said) => eprintln!("across instances: {said}"),
                Err(error) => self.failures.push(format!("across instances: {error}")),
            }
        }
        self.stage.upstream.set_default_delay(0);
        let what = "block, follow and stop across instances".to_owned();
        note(&mut self.phases, (what, started.elapsed()));
    }

    async fn user_id(&self, username: &str) -> Result<String, String> {
        let mut conn = checks::connect(&self.database(1)).await?;
        sqlx::query_scalar("SELECT id FROM `user` WHERE username = ?")
            .bind(username)
            .fetch_one(&mut conn)
            .await
            .map_err(|e| format!("user {username}: {e}"))
    }

    /// Every node: the same gapless log, the prompts once, the answers whole; `replay
    /// --verify` agrees on each.
    pub async fn check_nodes(&mut self, attempts: &[Attempt]) {
        let started = Instant::now();
        let mut views = Vec::new();
        for n in 0..3 {
            match checks::read(&format!("node {}", n + 1), &self.database(n)).await {
                Ok(view) => views.push(view),
                Err(error) => self.failures.push(error),
            }
        }
        if views.len() == 3 {
            checks::same_gapless_log(&views, &mut self.failures);
            for (n, view) in views.iter().enumerate() {
                checks::prompts_once(attempts, view, &mut self.failures);
                let wrong = checks::answers_complete(attempts, view, &mut self.failures);
                // What the log says of the first two, once.
                for attempt in wrong.iter().take(if n == 0 { 2 } else { 0 }) {
                    let chat = attempt.chat.clone().unwrap_or_default();
                    let events = checks::chat_events(&self.database(1), &chat).await;
                    self.failures.push(format!(
                        "chat {chat} ({:?} sent {:.1} s into the load, ended after {:.1} s):\n{events}",
                        attempt.text,
                        (attempt.sent - self.load_began).as_secs_f64(),
                        (attempt.ended - attempt.sent).as_secs_f64()
                    ));
                }
                if view.streaming > 0 {
                    let left = format!("{}: {} answers streaming", view.name, view.streaming);
                    self.failures.push(left);
                }
            }
        }
        for n in 0..3 {
            let root = self.stage.root.path();
            let verify = checks::replay_verify(&self.cluster.url(n), DATABASE, root).await;
            if !verify.contains("All projections are identical") {
                let failed = format!("replay --verify on node {}: {verify}", n + 1);
                self.failures.push(failed);
            }
        }
        let what = "checks on every node, replay --verify ×3".to_owned();
        note(&mut self.phases, (what, started.elapsed()));
    }

    /// No 500 anywhere (what the people saw, what nginx passed on), no status a person should
    /// not see, nothing hung.
    pub fn check_statuses(&mut self, attempts: &[Attempt], tally: &Tally) {
        let (a, b) = (self.a.host_port(), self.b.host_port());
        let server_errors: Vec<String> = self
            .nginx
            .access_log()
            .into_iter()
            .filter(|l| l.status == 500 || l.upstream_statuses.contains("500"))
            .map(|l| {
                let via = l.upstreams.replace(&a, "A").replace(&b, "B");
                format!("{} {} via {via}", l.method, l.uri)
            })
            .collect();
        if !server_errors.is_empty() {
            self.failures.push(format!(
                "{} requests answered 500, e.g. {:?}",
                server_errors.len(),
                &server_errors[..server_errors.len().min(3)]
            ));
        }
        // 409: the chat is busy (an answer of a dead instance not settled yet); 502: a request
        // in flight when its instance died (nginx never replays one).
        let unexpected: Vec<(Option<u16>, Option<String>)> = attempts
            .iter()
            .filter(|t| !matches!(t.status, None | Some(200 | 409 | 502 | 503)))
            .map(|t| (t.status, t.error.clone()))
            .collect();
        if !unexpected.is_empty() {
            self.failures.push(format!(
                "{} prompts got a status a person should not see, e.g. {:?}",
                unexpected.len(),
                &unexpected[..unexpected.len().min(3)]
            ));
        }
        if tally.hung > 0 {
            let hung = format!("{} prompts hung for 2 minutes", tally.hung);
            self.failures.push(hung);
        }
    }

    /// Prints the figures and phases; fails with every failure collected (and keeps the logs).
    pub async fn finish(&mut self, attempts: &[Attempt], steady: &Figures, tally: &Tally) {
        let passed_on = self
            .nginx
            .access_log()
            .iter()
            .filter(|l| l.upstreams.contains(','))
            .count();
        let retries =
            |log: &str| log.matches("deciding again").count() + log.matches("lost a race").count();
        let (a_log, b_log) = (self.a.log(), self.b.log());
        self.appends.add(self.a.appends().await);
        self.appends.add(self.b.appends().await);
        print_figures("Galera, 2 instances on 3 nodes, steady", steady);
        eprintln!(
            "under the faults: {} prompts sent, {} accepted, {} answers complete, {} kept as \
             saving (at most {} spooled at once), {} streams cut by the instance's death; \
             statuses {:?}; nginx passed {passed_on} requests on to the other instance; {}; \
             logged retries of a transaction or decision: A {}, B {}",
            attempts.len(),
            tally.accepted,
            tally.completed,
            tally.saving,
            self.spool_most.load(Ordering::SeqCst),
            tally.broken,
            tally.statuses,
            self.appends,
            retries(&a_log),
            retries(&b_log),
        );
        for (what, took) in &self.phases {
            eprintln!("phase: {what}: {:.1} s", took.as_secs_f64());
        }
        let panics = a_log.matches("panicked").count() + b_log.matches("panicked").count();
        if panics > 0 {
            self.failures
                .push(format!("{panics} panics in the instances' logs"));
        }
        if self.failures.is_empty() {
            return;
        }
        let kept = keep_logs(&[
            ("a.log", a_log.clone()),
            ("b.log", b_log.clone()),
            ("nginx-error.log", self.nginx.error_log()),
            ("node1.log", self.cluster.log(0)),
            ("node2.log", self.cluster.log(1)),
            ("node3.log", self.cluster.log(2)),
        ]);
        panic!(
            "{} failures:\n- {}\nA's errors:\n{}\nB's errors:\n{}\n{kept}",
            self.failures.len(),
            self.failures.join("\n- "),
            errors(&a_log),
            errors(&b_log)
        );
    }
}
