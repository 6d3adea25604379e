//! Bots as people meet them (issue 32, item 6): a share link that was unshared says so (still a
//! 404, naming nothing of the bot), the owner's chat says when it is the bot's model that is
//! missing, and a visitor who signs up from a share link lands on the bot after verifying.

use reqwest::multipart::{Form, Part};

use crate::helpers::{PASSWORD, TestApp, client, location, spawn_app};
use crate::pdf_models::{fixture, pdf_app};
use crate::upstream::Reply;

const NAME: &str = "Registan guide";
const DESCRIPTION: &str = "Knows every madrasa of the square";

/// Makes a bot over `base_model` through the editor's form and returns its id.
async fn make_bot(app: &TestApp, owner: &reqwest::Client, base_model: &str) -> String {
    make_bot_with(app, owner, base_model, None).await
}

async fn make_bot_with(
    app: &TestApp,
    owner: &reqwest::Client,
    base_model: &str,
    pdf: Option<&str>,
) -> String {
    let mut form = Form::new()
        .text("csrf", app.csrf_token_with(owner).await)
        .text("name", NAME)
        .text("description", DESCRIPTION)
        .text("instructions", "Answer as a guide of Samarkand, briefly.")
        .text("base_model", base_model.to_owned())
        .text("emoji", "🕌")
        .text("color", "violet")
        .text("starter", "Where do I start?");
    if let Some(name) = pdf {
        let part = Part::bytes(std::fs::read(fixture(name)).unwrap())
            .file_name(name.to_owned())
            .mime_str("application/pdf")
            .unwrap();
        form = form.part("pdf", part);
    }
    let response = owner
        .post(app.url("/bots"))
        .multipart(form)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    location(&response)
        .trim_start_matches("/bots/")
        .split('/')
        .next()
        .expect("the bot's id")
        .to_owned()
}

async fn shared_bot(app: &TestApp, owner: &reqwest::Client, base_model: &str) -> String {
    let id = make_bot(app, owner, base_model).await;
    let shared = app
        .post_form_with(owner, &format!("/bots/{id}/share"), &[])
        .await;
    assert_eq!(shared.status(), 303);
    id
}

fn encoded(path: &str) -> String {
    url::form_urlencoded::byte_serialize(path.as_bytes()).collect()
}

/// `/login?next=…` as a template writes it into an attribute (`=` escaped).
fn login_link_in_html(next: &str) -> String {
    format!("/login?next&#x3D;{}", encoded(next))
}

/// Item 6a: the link of a bot that is no longer shared.
#[actix_web::test]
async fn an_unshared_bots_link_says_it_is_no_longer_shared_with_a_new_chat_link() {
    // Arrange: Bob used Alice's shared bot; Alice makes it private again.
    let app = spawn_app().await;
    let (alice, bob) = (client(), client());
    app.verified_user_with(&alice, "alisher", PASSWORD).await;
    app.verified_user_with(&bob, "bobur", PASSWORD).await;
    let id = shared_bot(&app, &alice, "gpt-4o-mini").await;
    assert_eq!(app.get_with(&bob, &format!("/b/{id}")).await.status(), 200);
    app.post_form_with(&alice, &format!("/bots/{id}/unshare"), &[])
        .await;

    // Act
    let response = app.get_with(&bob, &format!("/b/{id}")).await;

    // Assert: still a 404, in words for a person, with a way on, and nothing of the bot.
    assert_eq!(response.status(), 404);
    let page = response.text().await.unwrap();
    assert!(page.contains("This bot is no longer shared."), "{page}");
    assert!(page.contains(r#"href="/" id="new-chat-link""#), "{page}");
    assert!(page.contains("New chat"), "{page}");
    for private in [NAME, DESCRIPTION, "Where do I start?", "🕌"] {
        assert!(!page.contains(private), "{private} leaks: {page}");
    }
    // A bot that never was reads the same (nothing tells the two apart).
    let never = app
        .get_with(&bob, "/b/0190a4c2-7d0e-7b3f-9a61-3c2d1e0f4a5b")
        .await;
    assert_eq!(never.status(), 404);
    assert!(never.text().await.unwrap().contains("no longer shared"));
    // The owner still opens it.
    assert_eq!(
        app.get_with(&alice, &format!("/b/{id}")).await.status(),
        200
    );
}

/// Item 6b: the owner's bot chat when the bot's base model left the site.
#[actix_web::test]
async fn the_owners_bot_chat_says_the_bots_model_is_missing_not_that_the_bot_is_gone() {
    // Arrange: a chat with a bot over gpt-4o; the admin disables gpt-4o.
    let app = spawn_app().await;
    let alice = client();
    app.verified_user_with(&alice, "alisher", PASSWORD).await;
    let id = make_bot(&app, &alice, "gpt-4o").await;
    let answer = app
        .prompt_with(&alice, None, "Salom", &format!("bot:{id}"))
        .await;
    assert_eq!(answer.done()["status"], "complete");
    let chat = answer.chat_id();
    let admin = app.admin_client().await;
    let disabled = app
        .post_form_with(
            &admin,
            "/admin/settings/models/gpt-4o",
            &[("action", "disable")],
        )
        .await;
    assert_eq!(disabled.status(), 303);

    // Act
    let page = app
        .get_with(&alice, &format!("/c/{chat}"))
        .await
        .text()
        .await
        .unwrap();
    let start_page = app
        .get_with(&alice, &format!("/b/{id}"))
        .await
        .text()
        .await
        .unwrap();

    // Assert
    for html in [&page, &start_page] {
        assert!(
            html.contains("the model this bot answers with is not available right now"),
            "{html}"
        );
        assert!(html.contains("bot&#x27;s settings") || html.contains("bot's settings"));
        assert!(!html.contains("bot no longer available"), "{html}");
    }
    // The owner's read-only chat links to the bot's settings, and a prompt sent anyway is
    // refused with the same reason.
    assert!(
        page.contains(&format!(r#"href="/bots/{id}/edit" id="bot-gone-edit""#)),
        "{page}"
    );
    let refused = app
        .prompt_with(&alice, Some(&chat), "Salom?", &format!("bot:{id}"))
        .await;
    assert_eq!(refused.status, 409);
    let message = refused.error.unwrap()["error"]["message"].to_string();
    assert!(
        message.contains("The model this bot answers with is not available right now"),
        "{message}"
    );
}

/// Item 6c: sign-up from a share link comes back to the bot, and only to a local path.
#[actix_web::test]
async fn signing_up_from_a_share_link_lands_on_the_bot_after_verifying() {
    // Arrange: Alice shares a bot; a visitor without an account opens its link.
    let app = spawn_app().await;
    let alice = client();
    app.verified_user_with(&alice, "alisher", PASSWORD).await;
    let id = shared_bot(&app, &alice, "gpt-4o-mini").await;
    let bot_path = format!("/b/{id}");
    let visitor = client();

    // Act 1: the link sends them to sign up, and the form keeps where they were going.
    let opened = app.get_with(&visitor, &bot_path).await;
    assert_eq!(opened.status(), 303);
    let register = location(&opened);
    assert_eq!(register, format!("/register?next={}", encoded(&bot_path)));
    let form = app
        .get_with(&visitor, &register)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        form.contains(&format!(r#"name="next" value="{bot_path}""#)),
        "{form}"
    );
    assert!(form.contains(&login_link_in_html(&bot_path)), "{form}");
    let fields = [
        ("username", "visitor"),
        ("email", "visitor@example.com"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
        ("next", bot_path.as_str()),
    ];
    let registered = app.post_form_with(&visitor, "/register", &fields).await;

    // Assert 1: on to the bot at once (logged in, not verified yet).
    assert_eq!(registered.status(), 303);
    assert_eq!(location(&registered), bot_path);

    // Act 2: the mailed link, opened in the same browser.
    let link = app.mailed_link("visitor@example.com", "/verify", 1).await;
    assert!(
        link.contains(&format!("next={}", encoded(&bot_path))),
        "{link}"
    );
    let verified = app.get_with(&visitor, &link).await;

    // Assert 2: verified and on the bot's page, where the bot answers.
    assert_eq!(verified.status(), 303);
    assert_eq!(location(&verified), bot_path);
    let page = app
        .get_with(&visitor, &bot_path)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(NAME), "{page}");
    let answer = app
        .prompt_with(&visitor, None, "Salom", &format!("bot:{id}"))
        .await;
    assert_eq!(answer.done()["status"], "complete");

    // Act 3: another visitor opens the mailed link on another device (not logged in there).
    let phone = client();
    app.post_form_with(
        &client(),
        "/register",
        &[
            ("username", "second"),
            ("email", "second@example.com"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
            ("next", bot_path.as_str()),
        ],
    )
    .await;
    let link = app.mailed_link("second@example.com", "/verify", 1).await;
    let verified = app.get_with(&phone, &link).await;

    // Assert 3: the page asks them to log in, and logging in goes on to the bot.
    assert_eq!(verified.status(), 200);
    let login_href = format!("/login?next={}", encoded(&bot_path));
    let page = verified.text().await.unwrap();
    assert!(
        page.contains(&login_link_in_html(&bot_path)),
        "the login link keeps the bot: {page}"
    );
    let login_page = app
        .get_with(&phone, &login_href)
        .await
        .text()
        .await
        .unwrap();
    assert!(login_page.contains(&format!(r#"name="next" value="{bot_path}""#)));
    let logged_in = app
        .post_form_with(
            &phone,
            "/login",
            &[
                ("login", "second"),
                ("password", PASSWORD),
                ("next", bot_path.as_str()),
            ],
        )
        .await;
    assert_eq!(location(&logged_in), bot_path);
}

/// Item 6c: `next` only ever leads to a path of this site.
#[actix_web::test]
async fn next_never_leads_off_the_site() {
    // Arrange
    let app = spawn_app().await;
    let visitor = client();

    // Act
    let form = app
        .get_with(&visitor, "/register?next=//evil.example/b/1")
        .await
        .text()
        .await
        .unwrap();
    let registered = app
        .post_form_with(
            &visitor,
            "/register",
            &[
                ("username", "wanderer"),
                ("email", "wanderer@example.com"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    let link = app.mailed_link("wanderer@example.com", "/verify", 1).await;
    let forged = format!("{link}&next={}", encoded("//evil.example"));
    let verified = app.get_with(&visitor, &forged).await;

    // Assert
    assert!(!form.contains("evil.example"), "{form}");
    assert_eq!(location(&registered), "/");
    assert!(!link.contains("next="), "{link}");
    assert_eq!(verified.status(), 200, "no redirect off the site");
}

/// The PDF links (`/models/<id>/source.pdf#page=N`) in a page.
fn pdf_links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.contains("/source.pdf"))
        .map(str::to_owned)
        .collect()
}

/// Item 6d: the owner's bot answers cite the pages of the bot's PDF as links; others read them.
#[actix_web::test]
async fn a_bots_citations_link_to_its_pdf_for_its_owner_only() {
    // Arrange: Alice's shared bot with a PDF; she and Bob each get an answer citing it.
    let app = pdf_app().await;
    let (alice, bob) = (client(), client());
    app.verified_user_with(&alice, "alisher", PASSWORD).await;
    app.verified_user_with(&bob, "bobur", PASSWORD).await;
    let id = make_bot_with(&app, &alice, "gpt-4o-mini", Some("multilingual.pdf")).await;
    app.pdf_read(&alice, &id).await;
    app.post_form_with(&alice, &format!("/bots/{id}/share"), &[])
        .await;
    let model = format!("bot:{id}");
    app.upstream
        .push(Reply::text("The cat is called Bodomcha [S1]."));
    let mine = app.prompt_with(&alice, None, "The cat?", &model).await;
    app.upstream
        .push(Reply::text("The cat is called Bodomcha [S1]."));
    let theirs = app.prompt_with(&bob, None, "The cat?", &model).await;

    // Act
    let alices_page = app
        .get_with(&alice, &format!("/c/{}", mine.chat_id()))
        .await
        .text()
        .await
        .unwrap();
    let bobs_page = app
        .get_with(&bob, &format!("/c/{}", theirs.chat_id()))
        .await
        .text()
        .await
        .unwrap();

    // Assert: Alice's citation opens her PDF at the page; Bob's names the page only.
    let links = pdf_links(&alices_page);
    assert_eq!(links.len(), 1, "{alices_page}");
    assert!(links[0].contains("#page"), "{}", links[0]);
    let pdf = app
        .get_with(&alice, links[0].split('#').next().unwrap())
        .await;
    assert_eq!(pdf.status(), 200);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
    assert!(pdf_links(&bobs_page).is_empty(), "{bobs_page}");
    assert!(bobs_page.contains("p. 2"), "{bobs_page}");
}
