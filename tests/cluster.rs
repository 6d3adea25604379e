//! Scale-out as `docs/SCALING.md` describes it, with real parts: a 3-node MariaDB Galera cluster
//! of the test's own, nginx with the document's configuration, and two instances of the real
//! binary, each on its own node, sharing `FILES_DIR`. While people chat through nginx, node 1
//! (instance A's) is killed with `kill -9`, then instance A; both come back. Nothing a person
//! saw accepted or answered may be lost or doubled, no request may fail with 500, every node
//! must hold the same gapless log, and `replay --verify` must agree on each. Then the
//! instances must agree with each other: a block, a live follow and a stop across them.
//! `cargo test --test cluster -- --nocapture` prints the figures; the `#[ignore]`d
//! `measure_one_instance_on_plain_mariadb` gives the same load's figures on one plain server.
#![allow(dead_code)] // the shared upstream has helpers this test does not use

#[path = "cluster/across.rs"]
mod across;
#[path = "cluster/checks.rs"]
mod checks;
#[path = "cluster/galera.rs"]
mod galera;
#[path = "cluster/instance.rs"]
mod instance;
#[path = "cluster/load.rs"]
mod load;
#[path = "cluster/nginx.rs"]
mod nginx;
#[path = "cluster/report.rs"]
mod report;
#[path = "cluster/scene.rs"]
mod scene;
#[path = "cluster/stage.rs"]
mod stage;
#[path = "cluster/support.rs"]
mod support;
#[path = "api/upstream.rs"]
mod upstream;

use std::sync::Arc;
use std::time::{Duration, Instant};

use galera::Cluster;
use instance::Instance;
use load::{Figures, Load};
use nginx::Nginx;
use report::{Appends, Tally, cpu, print_figures};
use scene::Scene;
use stage::Stage;
use support::wait_for;

const USERS: usize = 24;
/// The steady phase whose figures are printed (after a warm-up).
const STEADY: Duration = Duration::from_secs(15);
/// Each answer piece comes this long after the previous one (an answer is ~16 pieces).
const UPSTREAM_DELAY_MS: u64 = 20;
/// The database name every instance uses.
const DATABASE: &str = "cbf_cluster";
/// How long the work a phase waits for may stop moving before the test gives up.
const STALL: Duration = Duration::from_secs(60);
/// Instances silent this long are dead: small, so a dead one's answers are settled within the
/// test, but above two waits that make a live instance look silent. An instance whose node died
/// keeps its finished answers in the spool only after the pool's 5 s wait for a connection; and
/// while Galera evicts a killed node (`evs.suspect_timeout`, 5 s) every commit waits, heartbeats
/// too. (At 5 s the other instance failed answers that were kept in the spool, and an instance
/// whose heartbeat waited failed its own live answers as "the server restarted".)
const DEAD_AFTER_SECS: &str = "12";

/// The figures of the steady phase: people chat through nginx for a warm-up, then `STEADY`.
async fn steady_phase(load: &Load) -> (Instant, Instant) {
    wait_for("the first turn of every person", STALL, || async {
        load.completed() >= USERS
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let from = Instant::now();
    tokio::time::sleep(STEADY).await;
    (from, Instant::now())
}

#[actix_web::test]
async fn two_instances_on_galera_lose_nothing_when_a_node_and_an_instance_die() {
    let began = Instant::now();
    let (mut scene, people) = Scene::set_up().await;
    scene.load_began = Instant::now();
    let traffic = load::run(scene.load.clone(), scene.nginx.address.clone(), people);
    let ((), faults) = futures::future::join(traffic, scene.faults()).await;
    let (from, to) = faults.unwrap_or_else(|error| panic!("{error}\n{}", scene.tails()));
    let attempts = scene.load.attempts();
    // Once is enough to wait for an answer stuck for good.
    if scene.settle("load stopped, every answer settled").await {
        scene.across().await;
        scene.settle("every answer settled again").await;
    } else {
        scene.across().await;
    }
    scene.check_nodes(&attempts).await;
    let tally = Tally::of(&attempts);
    scene.check_statuses(&attempts, &tally);
    eprintln!("the whole test: {:.1} s", began.elapsed().as_secs_f64());
    scene
        .finish(&attempts, &Figures::of(&attempts, from, to), &tally)
        .await;
}

/// The same steady load through nginx against one instance on one plain MariaDB server, for
/// comparison with the cluster's figures (`cargo test --test cluster -- --ignored --nocapture`).
#[actix_web::test]
#[ignore = "a measurement: run with --ignored"]
async fn measure_one_instance_on_plain_mariadb() {
    let stage = Stage::new();
    let database = Cluster::plain().await;
    let port = support::free_port();
    let nginx = Nginx::start(&[&format!("127.0.0.1:{port}")]).await;
    let mut one = Instance::new(
        "one",
        stage.root.path().join("one"),
        port,
        &stage.settings(&nginx.address, &database.url(0)),
    );
    one.start().await;
    let people = load::register(&nginx.address, "person", USERS).await;
    stage.upstream.set_default_delay(UPSTREAM_DELAY_MS);
    let load = Arc::new(Load::default());
    let traffic = load::run(load.clone(), nginx.address.clone(), people);
    let measured = async {
        let window = steady_phase(&load).await;
        load.stop();
        window
    };
    let ((), (from, to)) = futures::future::join(traffic, measured).await;
    let attempts = load.attempts();
    print_figures(
        &format!("plain MariaDB, 1 instance, steady, on {}", cpu()),
        &Figures::of(&attempts, from, to),
    );
    let mut appends = Appends::default();
    appends.add(one.appends().await);
    eprintln!("plain MariaDB: {appends}");
    let tally = Tally::of(&attempts);
    assert!(
        tally.statuses.keys().all(|status| status == "200"),
        "{:?}",
        tally.statuses
    );
}
