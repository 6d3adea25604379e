use chatbot_factory::accounts::events::UserEvent;
use chatbot_factory::chat::events::ChatEvent;
use chatbot_factory::events::{AppendError, EventStore, Metadata};
use uuid::Uuid;

use crate::helpers::spawn_app;

fn registered(name: &str) -> UserEvent {
    UserEvent::UserRegistered {
        username: name.into(),
        email: format!("{name}@example.com"),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into(),
        verified: true,
    }
}

/// A new user (`name`) with a chat whose first answer is streaming (the chat's next sequence
/// is 3).
async fn user_with_chat(store: &EventStore, name: &str) -> (Uuid, String) {
    let user = Uuid::now_v7();
    store
        .append(
            &user.to_string(),
            0,
            &[registered(name)],
            &Metadata::system(),
        )
        .await
        .unwrap();
    let chat = Uuid::now_v7().to_string();
    store
        .append(&chat, 0, &first_turn(user), &Metadata::user(user))
        .await
        .unwrap();
    (user, chat)
}

/// A finished answer of `text`, 3 + 2 tokens.
fn answered(text: &str) -> ChatEvent {
    ChatEvent::AnswerCompleted(chatbot_factory::chat::events::AnswerRecord {
        text: text.into(),
        model: "gpt-4o-mini".into(),
        prompt_tokens: 3,
        completion_tokens: 2,
        ..Default::default()
    })
}

/// A new chat of `user`'s: its first prompt, and the answer streaming.
fn first_turn(user: Uuid) -> Vec<ChatEvent> {
    vec![
        ChatEvent::ChatStarted {
            user_id: user,
            title: "Hello".into(),
            model: "gpt-4o-mini".into(),
            api_key: None,
        },
        ChatEvent::UserMessageAppended {
            text: "Hello".into(),
            model: "gpt-4o-mini".into(),
        },
        ChatEvent::AnswerStarted {
            model: "gpt-4o-mini".into(),
            instance_id: Uuid::nil(),
        },
    ]
}

#[actix_web::test]
async fn append_load_and_read_all_keep_order_and_positions() {
    let app = spawn_app().await;
    let store = app.store();
    let user = Uuid::now_v7().to_string();
    let first = store
        .append(&user, 0, &[registered("alice")], &Metadata::user(&user))
        .await
        .unwrap();
    let more = store
        .append(
            &user,
            1,
            &[
                UserEvent::UserLoggedIn,
                UserEvent::EmailVerified {
                    email: "alice@example.com".into(),
                },
            ],
            &Metadata::system(),
        )
        .await
        .unwrap();
    assert_eq!(first[0].sequence, 1);
    assert_eq!(
        more.iter().map(|e| e.sequence).collect::<Vec<_>>(),
        vec![2, 3]
    );
    let loaded = store.load("user", &user).await.unwrap();
    assert_eq!(loaded.len(), 3);
    assert_eq!(loaded[2].event_type, "EmailVerified");
    let all = store.read_all(0, 100).await.unwrap();
    let positions: Vec<u64> = all.iter().map(|e| e.position).collect();
    assert!(
        positions.windows(2).all(|w| w[1] == w[0] + 1),
        "gapless: {positions:?}"
    );
    let checkpoint: u64 =
        sqlx::query_scalar("SELECT position FROM projection_checkpoint WHERE name = 'inline'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(checkpoint, *positions.last().unwrap());
    assert_eq!(loaded[0].metadata().actor, format!("user:{user}"));
}

#[actix_web::test]
async fn a_stale_expected_sequence_is_a_typed_conflict() {
    let app = spawn_app().await;
    let store = app.store();
    let user = Uuid::now_v7().to_string();
    store
        .append(&user, 0, &[registered("bob")], &Metadata::system())
        .await
        .unwrap();
    let error = store
        .append(&user, 0, &[UserEvent::UserLoggedIn], &Metadata::system())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            AppendError::Conflict {
                expected: 0,
                actual: 1,
                ..
            }
        ),
        "{error:?}"
    );
    let error = store
        .append(&user, 5, &[UserEvent::UserLoggedIn], &Metadata::system())
        .await
        .unwrap_err();
    assert!(
        matches!(error, AppendError::Conflict { .. }),
        "a sequence ahead of the stream is refused too"
    );
    assert_eq!(store.load("user", &user).await.unwrap().len(), 1);
}

#[actix_web::test]
async fn concurrent_writers_of_one_stream_get_exactly_one_winner() {
    let app = spawn_app().await;
    let store = app.store();
    let user = Uuid::now_v7().to_string();
    store
        .append(&user, 0, &[registered("carol")], &Metadata::system())
        .await
        .unwrap();
    let attempts = (0..10).map(|_| {
        let store = store.clone();
        let user = user.clone();
        async move {
            store
                .append(&user, 1, &[UserEvent::UserLoggedIn], &Metadata::system())
                .await
        }
    });
    let results = futures::future::join_all(attempts).await;
    let winners = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results
        .iter()
        .filter(|r| matches!(r, Err(AppendError::Conflict { .. })))
        .count();
    assert_eq!((winners, conflicts), (1, 9));
}

#[actix_web::test]
async fn a_projection_refusal_stores_nothing() {
    let app = spawn_app().await;
    let store = app.store();
    let (first, second) = (Uuid::now_v7().to_string(), Uuid::now_v7().to_string());
    store
        .append(&first, 0, &[registered("dora")], &Metadata::system())
        .await
        .unwrap();
    let error = store
        .append(&second, 0, &[registered("dora")], &Metadata::system())
        .await
        .unwrap_err();
    assert_eq!(error.unique_violation(), Some("uq_user_username"));
    assert!(store.load("user", &second).await.unwrap().is_empty());
}

#[actix_web::test]
async fn chat_events_project_into_chat_and_chat_history_with_ranks() {
    let app = spawn_app().await;
    let store = app.store();
    let (_, chat) = user_with_chat(&store, "erin").await;
    let status: String =
        sqlx::query_scalar("SELECT status FROM chat_history WHERE chat_id = ? AND `rank` = 2")
            .bind(&chat)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(status, "streaming");
    let done = answered("Hi there");
    store
        .append(&chat, 3, &[done], &Metadata::system())
        .await
        .unwrap();
    let rows: Vec<(String, String, u32, String)> = sqlx::query_as(
        "SELECT role, content, `rank`, status FROM chat_history WHERE chat_id = ? ORDER BY `rank`",
    )
    .bind(&chat)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        vec![
            ("user".into(), "Hello".into(), 1, "complete".into()),
            ("assistant".into(), "Hi there".into(), 2, "complete".into())
        ]
    );
    let (prompts, tokens): (u32, u64) =
        sqlx::query_as("SELECT prompts, completion_tokens FROM chat WHERE id = ?")
            .bind(&chat)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((prompts, tokens), (1, 2));
}

/// A transaction that loses a race (a real InnoDB deadlock here; on a Galera cluster a failed
/// certification, which the server reports with the same code) is recognised as "nothing
/// written, do it again", and `retry_transient` does it again until it goes through.
#[actix_web::test]
#[ignore = "hung in a full run (15:35, waiting on the deadlock it sets up); passes alone; to be made robust"]
async fn a_transaction_that_loses_a_deadlock_is_done_again() {
    use chatbot_factory::database::{retry_transient, transient};
    use sqlx::{Acquire, Executor};

    let app = spawn_app().await;
    app.pool
        .execute("CREATE TABLE race (id INT PRIMARY KEY, n INT NOT NULL)")
        .await
        .unwrap();
    app.pool
        .execute("INSERT INTO race VALUES (1, 0), (2, 0)")
        .await
        .unwrap();
    // The other transaction: holds row 2, then wants row 1.
    let mut other = app.pool.acquire().await.unwrap();
    let mut other_tx = other.begin().await.unwrap();
    other_tx
        .execute("UPDATE race SET n = n + 10 WHERE id = 2")
        .await
        .unwrap();
    let mut attempts = 0;
    let pool = app.pool.clone();
    let ours = retry_transient(|| {
        attempts += 1;
        let pool = pool.clone();
        async move {
            let mut tx = pool.begin().await?;
            tx.execute("UPDATE race SET n = n + 1 WHERE id = 1").await?;
            tx.execute("UPDATE race SET n = n + 1 WHERE id = 2").await?;
            tx.commit().await
        }
    });
    let theirs = async {
        // Once ours holds row 1 and waits for row 2, close the cycle: InnoDB picks a victim.
        crate::helpers::eventually("our transaction waits for row 2", || async {
            let waiting: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM information_schema.INNODB_LOCK_WAITS")
                    .fetch_one(&app.pool)
                    .await
                    .unwrap_or(0);
            waiting > 0
        })
        .await;
        let result = other_tx
            .execute("UPDATE race SET n = n + 10 WHERE id = 1")
            .await;
        match result {
            Ok(_) => other_tx.commit().await.map(|_| false),
            Err(error) => {
                assert!(transient(&error), "a deadlock is transient: {error}");
                Ok(true)
            }
        }
    };
    let (ours, theirs) = futures::join!(ours, theirs);
    ours.expect("ours goes through, again if it was the victim");
    let they_were_the_victim = theirs.unwrap();
    let (one, two): (i32, i32) = sqlx::query_as(
        "SELECT (SELECT n FROM race WHERE id = 1), (SELECT n FROM race WHERE id = 2)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    if they_were_the_victim {
        assert_eq!((one, two), (1, 1), "only ours is written, once");
        assert_eq!(attempts, 1);
    } else {
        assert_eq!(
            (one, two),
            (11, 11),
            "both written, ours exactly once after a retry"
        );
        assert_eq!(attempts, 2, "ours was the victim and was done again");
    }
}

#[actix_web::test]
async fn appends_that_arrive_together_share_one_commit_and_keep_their_own_results() {
    // Arrange: a user whose stream is at sequence 1.
    let app = spawn_app().await;
    let store = app.store();
    let taken = Uuid::now_v7().to_string();
    store
        .append(&taken, 0, &[registered("erin")], &Metadata::system())
        .await
        .unwrap();
    let commits_before = store.commits();

    // Act: 30 new users, one of them with a taken username, one append behind its stream and one
    // ahead of it, all at once.
    let fresh: Vec<String> = (0..30).map(|_| Uuid::now_v7().to_string()).collect();
    let duplicate = Uuid::now_v7().to_string();
    let new_users = fresh.iter().enumerate().map(|(i, id)| {
        let store = store.clone();
        async move {
            let event = registered(&format!("user{i}"));
            store.append(id, 0, &[event], &Metadata::system()).await
        }
    });
    let (written, refused) = futures::future::join(
        futures::future::join_all(new_users),
        futures::future::join3(
            store.append(&duplicate, 0, &[registered("erin")], &Metadata::system()),
            store.append(&taken, 0, &[UserEvent::UserLoggedIn], &Metadata::system()),
            store.append(&taken, 7, &[UserEvent::UserLoggedIn], &Metadata::system()),
        ),
    )
    .await;

    // Assert: every append has its own result, the refused ones left nothing behind, and the
    // log stayed gapless in fewer commits than appends.
    assert!(written.iter().all(Result::is_ok), "{written:?}");
    let (duplicate_name, behind, ahead) = refused;
    assert_eq!(
        duplicate_name.unwrap_err().unique_violation(),
        Some("uq_user_username")
    );
    assert!(
        matches!(
            behind,
            Err(AppendError::Conflict {
                expected: 0,
                actual: 1,
                ..
            })
        ),
        "{behind:?}"
    );
    assert!(
        matches!(
            ahead,
            Err(AppendError::Conflict {
                expected: 7,
                actual: 1,
                ..
            })
        ),
        "{ahead:?}"
    );
    assert!(store.load("user", &duplicate).await.unwrap().is_empty());
    assert_eq!(store.load("user", &taken).await.unwrap().len(), 1);
    let all = store.read_all(0, 1_000).await.unwrap();
    assert_eq!(all.iter().filter(|e| e.stream_type == "user").count(), 31);
    let positions: Vec<u64> = all.iter().map(|e| e.position).collect();
    assert!(
        positions.windows(2).all(|w| w[1] == w[0] + 1),
        "gapless: {positions:?}"
    );
    let usernames: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM `user` WHERE username = 'erin' OR username LIKE 'user%'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(usernames, 31, "the projection has every written user, once");
    let commits = store.commits() - commits_before;
    assert!(
        commits < 5,
        "33 appends arriving together took {commits} commits"
    );
}

#[actix_web::test]
async fn appends_go_on_after_the_server_closed_every_connection_of_the_app() {
    // Arrange: a store that has appended (its writer holds a connection), then every one of
    // the app's connections is killed by the server, as a restart or `wait_timeout` would.
    let app = spawn_app().await;
    let store = app.store();
    let first = Uuid::now_v7().to_string();
    store
        .append(&first, 0, &[registered("frank")], &Metadata::system())
        .await
        .unwrap();
    let mut admin = app.pool.acquire().await.unwrap();
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID()",
    )
    .fetch_all(&mut *admin)
    .await
    .unwrap();
    assert!(!ids.is_empty(), "the app has connections of its own");
    for id in &ids {
        sqlx::query(sqlx::AssertSqlSafe(format!("KILL CONNECTION {id}")))
            .execute(&mut *admin)
            .await
            .unwrap();
    }

    // Act: the next appends, one by one and together.
    let second = Uuid::now_v7().to_string();
    let alone = store
        .append(&second, 0, &[registered("grace")], &Metadata::system())
        .await;
    let together = futures::future::join_all((0..5).map(|i| {
        let store = store.clone();
        async move {
            let id = Uuid::now_v7().to_string();
            let event = registered(&format!("team{i}"));
            store.append(&id, 0, &[event], &Metadata::system()).await
        }
    }))
    .await;

    // Assert: each is written (the writer opened a new connection), and no transaction of the
    // app was left open holding the log's lock.
    assert!(alone.is_ok(), "{alone:?}");
    assert!(together.iter().all(Result::is_ok), "{together:?}");
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM `user`")
        .fetch_one(&mut *admin)
        .await
        .unwrap();
    assert_eq!(users, 7);
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.innodb_trx t \
         JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id \
         WHERE p.db = DATABASE() AND p.command = 'Sleep'",
    )
    .fetch_one(&mut *admin)
    .await
    .unwrap();
    assert_eq!(open, 0, "no idle connection holds a transaction");
}

#[actix_web::test]
async fn answers_and_prompts_of_several_users_committed_together_count_for_each() {
    // Arrange: 8 users, each with a chat whose answer is streaming.
    let app = spawn_app().await;
    let store = app.store();
    let mut chats = Vec::new();
    for i in 0..8 {
        chats.push(user_with_chat(&store, &format!("turn{i}")).await);
    }

    // Act: at once, the first half's answers end (tokens, no prompt) and the second half prompt
    // again (a prompt, no tokens): their counters share a group's statements.
    let turns = chats.iter().enumerate().map(|(i, (user, chat))| {
        let store = store.clone();
        async move {
            let event = if i < 4 {
                answered("Hi")
            } else {
                ChatEvent::UserMessageAppended {
                    text: "Again".into(),
                    model: "gpt-4o-mini".into(),
                }
            };
            store
                .append(chat, 3, &[event], &Metadata::user(*user))
                .await
        }
    });
    let written = futures::future::join_all(turns).await;

    // Assert: every append is written, and each user and chat has its own counts.
    assert!(written.iter().all(Result::is_ok), "{written:?}");
    for (i, (user, chat)) in chats.iter().enumerate() {
        let (prompts, tokens, active): (u32, u64, Option<time::PrimitiveDateTime>) =
            sqlx::query_as(
                "SELECT prompts, prompt_tokens + completion_tokens, last_active FROM `user` WHERE id = ?",
            )
            .bind(user.to_string())
            .fetch_one(&app.pool)
            .await
            .unwrap();
        let chat_prompts: u32 = sqlx::query_scalar("SELECT prompts FROM chat WHERE id = ?")
            .bind(chat)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        let (expected_prompts, expected_tokens) = if i < 4 { (1, 5) } else { (2, 0) };
        assert_eq!(
            (prompts, tokens),
            (expected_prompts, expected_tokens),
            "user {i}"
        );
        assert_eq!(chat_prompts, expected_prompts, "chat {i}");
        assert!(active.is_some(), "user {i} was active");
    }
}

#[actix_web::test]
async fn a_login_committed_with_its_users_answer_keeps_the_turns_counts() {
    // Arrange: 6 users, each with a chat whose first answer is streaming (one prompt counted).
    let app = spawn_app().await;
    let store = app.store();
    let mut chats = Vec::new();
    for i in 0..6 {
        chats.push(user_with_chat(&store, &format!("login{i}")).await);
    }

    // Act: at once, each user logs in (their `user` row is read, folded and written back) while
    // their answer ends (its tokens are added to the same row at the end of the group).
    let answers = chats.iter().map(|(user, chat)| {
        let store = store.clone();
        async move {
            store
                .append(chat, 3, &[answered("Hi")], &Metadata::user(*user))
                .await
        }
    });
    let logins = chats.iter().map(|(user, _)| {
        let store = store.clone();
        async move {
            let id = user.to_string();
            store
                .append(&id, 1, &[UserEvent::UserLoggedIn], &Metadata::user(*user))
                .await
        }
    });
    let (answered, logged_in) = futures::future::join(
        futures::future::join_all(answers),
        futures::future::join_all(logins),
    )
    .await;

    // Assert: every append is written, and each user keeps the prompt and gets the tokens.
    assert!(answered.iter().all(Result::is_ok), "{answered:?}");
    assert!(logged_in.iter().all(Result::is_ok), "{logged_in:?}");
    for (i, (user, _)) in chats.iter().enumerate() {
        let counts: (u32, u64, u64) = sqlx::query_as(
            "SELECT prompts, prompt_tokens + completion_tokens, version FROM `user` WHERE id = ?",
        )
        .bind(user.to_string())
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!(counts, (1, 5, 2), "user {i}: prompts, tokens, version");
    }
}

#[actix_web::test]
async fn turns_of_several_chats_committed_together_keep_each_conversation_in_order() {
    // Arrange: 6 users, each with a chat whose first answer is streaming.
    let app = spawn_app().await;
    let store = app.store();
    let mut chats = Vec::new();
    for i in 0..6 {
        chats.push(user_with_chat(&store, &format!("rows{i}")).await);
    }

    // Act: at once, in each chat the answer ends and the next prompt goes in with its answer
    // streaming (one append each: a finish, then two messages, of one chat in one group); then,
    // at once again, those answers end.
    let turns = chats.iter().enumerate().map(|(i, (user, chat))| {
        let store = store.clone();
        async move {
            let events = vec![
                answered(&format!("Answer one of {i}")),
                ChatEvent::UserMessageAppended {
                    text: format!("Prompt two of {i}"),
                    model: "gpt-4o-mini".into(),
                },
                ChatEvent::AnswerStarted {
                    model: "gpt-4o-mini".into(),
                    instance_id: Uuid::nil(),
                },
            ];
            store.append(chat, 3, &events, &Metadata::user(*user)).await
        }
    });
    let written = futures::future::join_all(turns).await;
    assert!(written.iter().all(Result::is_ok), "{written:?}");
    let ends = chats.iter().enumerate().map(|(i, (user, chat))| {
        let store = store.clone();
        async move {
            let done = answered(&format!("Answer two of {i}"));
            store.append(chat, 6, &[done], &Metadata::user(*user)).await
        }
    });
    let ended = futures::future::join_all(ends).await;

    // Assert: each chat reads prompt, answer, prompt, answer, each message the parent of the
    // next, every answer complete with its own text.
    assert!(ended.iter().all(Result::is_ok), "{ended:?}");
    for (i, (_, chat)) in chats.iter().enumerate() {
        let rows: Vec<(u64, Option<u64>, String, String, u32, String)> = sqlx::query_as(
            "SELECT id, parent_id, role, content, `rank`, status FROM chat_history \
             WHERE chat_id = ? ORDER BY `rank`",
        )
        .bind(chat)
        .fetch_all(&app.pool)
        .await
        .unwrap();
        let read: Vec<(&str, &str, u32, &str)> = rows
            .iter()
            .map(|(_, _, role, content, rank, status)| {
                (role.as_str(), content.as_str(), *rank, status.as_str())
            })
            .collect();
        let (one, two, three) = (
            format!("Answer one of {i}"),
            format!("Prompt two of {i}"),
            format!("Answer two of {i}"),
        );
        assert_eq!(
            read,
            vec![
                ("user", "Hello", 1, "complete"),
                ("assistant", one.as_str(), 2, "complete"),
                ("user", two.as_str(), 3, "complete"),
                ("assistant", three.as_str(), 4, "complete"),
            ],
            "chat {i}"
        );
        let parents: Vec<Option<u64>> = rows.iter().map(|row| row.1).collect();
        let ids: Vec<Option<u64>> = std::iter::once(None)
            .chain(rows.iter().map(|row| Some(row.0)))
            .take(rows.len())
            .collect();
        assert_eq!(
            parents, ids,
            "chat {i}: each message follows the one before"
        );
    }
    app.assert_projections_match_the_log().await;
}
