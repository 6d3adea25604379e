//! The bot editor (`/bots/new`, `/bots/{id}/edit`): the form with what was typed, its
//! multipart body (text fields and an optional PDF), and its create and update actions.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::bots::{bot_json, metadata};
use crate::accounts::current::CurrentUser;
use crate::bots::Bots;
use crate::bots::aggregate::Bot;
use crate::bots::details::{
    BotForm, DESCRIPTION_MAX_CHARS, INSTRUCTIONS_MAX_CHARS, NAME_MAX_CHARS, STARTER_MAX_CHARS,
    STARTERS_MAX,
};
use crate::bots::events::COLORS;
use crate::bots::pdf_change::{NewPdf, PdfChange};
use crate::catalog::Catalog;
use crate::domain::{BotId, PdfModelId};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::store::users::UserRow;
use crate::web::page::{Page, see_other};
use crate::web::pdf_form::{read_pdf_form, remove_folder};
use crate::web::upload::Upload;

/// The editor: a new bot (`id` = None) or an existing one, with what was typed.
fn render_editor(
    page: &Page,
    user: &UserRow,
    bots: &Bots,
    bot: Option<(Uuid, &Bot)>,
    form: &BotForm,
    notice: Option<(StatusCode, Msg)>,
    saved: bool,
) -> Result<HttpResponse, AppError> {
    let mut starters = form.starters.clone();
    starters.resize(STARTERS_MAX, String::new());
    let base_models: Vec<Value> = bots
        .base_models()
        .into_iter()
        .map(|m| json!({ "id": m.id, "name": m.name }))
        .collect();
    let title = match bot {
        Some((_, bot)) => bot.name.clone(),
        None => page.t(&Msg::new("bot-new")),
    };
    let data = json!({
        "title": title,
        "user": super::user_json(user),
        "bot": bot.map(|(id, bot)| bot_json(bots, id, bot)),
        "form": {
            "name": form.name,
            "description": form.description,
            "instructions": form.instructions,
            "base_model": form.base_model,
            "emoji": if form.emoji.is_empty() { "🤖" } else { form.emoji.as_str() },
            "color": if form.color.is_empty() { "teal" } else { form.color.as_str() },
            "starters": starters,
        },
        "colors": COLORS,
        "base_models": base_models,
        "error": notice.as_ref().map(|(_, msg)| page.t(msg)),
        "saved": saved,
        "max_mb": bots.settings().pdf_max_bytes.div_ceil(1024 * 1024),
        "name_max": NAME_MAX_CHARS,
        "description_max": DESCRIPTION_MAX_CHARS,
        "instructions_max": INSTRUCTIONS_MAX_CHARS,
        "starter_max": STARTER_MAX_CHARS,
        "scripts": ["/static/js/sidebar.js", "/static/js/bots.js"],
    });
    let mut response = page.render("bots/edit", data)?;
    if let Some((status, _)) = notice {
        *response.status_mut() = status;
    }
    Ok(response)
}

fn form_of(bot: &Bot) -> BotForm {
    BotForm {
        name: bot.name.clone(),
        description: bot.description.clone(),
        instructions: bot.instructions.clone(),
        base_model: bot.base_model.clone(),
        emoji: bot.avatar.emoji.clone(),
        color: bot.avatar.color.clone(),
        starters: bot.starters.clone(),
    }
}

pub async fn new_form(
    page: Page,
    user: CurrentUser,
    bots: web::Data<Bots>,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, AppError> {
    let form = BotForm {
        base_model: catalog.default_model().unwrap_or_default(),
        ..BotForm::default()
    };
    render_editor(&page, &user.0, &bots, None, &form, None, false)
}

#[derive(Deserialize)]
pub struct EditQuery {
    #[serde(default)]
    saved: Option<String>,
}

pub async fn edit_form(
    page: Page,
    user: CurrentUser,
    id: web::Path<BotId>,
    query: web::Query<EditQuery>,
    bots: web::Data<Bots>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let bot = bots.owned(user.0.uuid(), id)?;
    let form = form_of(&bot);
    let saved = query.saved.is_some();
    render_editor(
        &page,
        &user.0,
        &bots,
        Some((id.as_uuid(), &bot)),
        &form,
        None,
        saved,
    )
}

/// The editor's body: its text fields, and its PDF (saved for the model `model`) if one came.
struct Sent {
    form: BotForm,
    remove_pdf: bool,
    file: Option<crate::pdf_models::events::SourceFile>,
}

async fn read_sent(
    upload: &mut Upload,
    bots: &Bots,
    model: PdfModelId,
    form: &mut BotForm,
) -> Result<Sent, AppError> {
    let mut remove_pdf = false;
    let knowledge = bots.pdf_models().knowledge().clone();
    let file = read_pdf_form(upload, &knowledge, model, |name, text| match name {
        "name" => form.name = text,
        "description" => form.description = text,
        "instructions" => form.instructions = text,
        "base_model" => form.base_model = text,
        "emoji" => form.emoji = text,
        "color" => form.color = text,
        "starter" => form.starters.push(text),
        "remove_pdf" => remove_pdf = !text.is_empty(),
        _ => {}
    })
    .await?;
    Ok(Sent {
        form: form.clone(),
        remove_pdf,
        file,
    })
}

/// A refusal the editor shows next to what was typed; anything else is an error page.
fn shown(error: AppError) -> Result<(StatusCode, Msg), AppError> {
    let status = error.status_code();
    match error {
        AppError::Unprocessable(msg)
        | AppError::BadRequest(msg)
        | AppError::TooLarge(msg)
        | AppError::Forbidden(msg)
        | AppError::Throttled { msg, .. }
        | AppError::Conflict(msg) => Ok((status, msg)),
        other => Err(other),
    }
}

/// The editor shown again after `error`, with `Retry-After` when it was a limit.
fn refused(
    error: AppError,
    editor: impl FnOnce((StatusCode, Msg)) -> Result<HttpResponse, AppError>,
) -> Result<HttpResponse, AppError> {
    let retry_after = match &error {
        AppError::Throttled {
            retry_after_secs, ..
        } => Some(*retry_after_secs),
        _ => None,
    };
    let mut response = editor(shown(error)?)?;
    if let Some(secs) = retry_after {
        response.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from(secs),
        );
    }
    Ok(response)
}

pub async fn create(
    page: Page,
    user: CurrentUser,
    bots: web::Data<Bots>,
    mut upload: Upload,
) -> Result<HttpResponse, AppError> {
    let model = PdfModelId::new();
    let meta = metadata(&user.0);
    let mut form = BotForm::default();
    let created = async {
        let sent = read_sent(&mut upload, &bots, model, &mut form).await?;
        let details = sent.form.parse()?;
        let pdf = sent.file.map(|file| NewPdf { model, file });
        bots.create(&user.0, details, pdf, &meta).await
    }
    .await;
    match created {
        Ok(id) => Ok(see_other(&format!("/bots/{id}/edit?saved=1"))),
        Err(error) => {
            remove_folder(bots.pdf_models().knowledge(), model).await;
            refused(error, |notice| {
                render_editor(&page, &user.0, &bots, None, &form, Some(notice), false)
            })
        }
    }
}

pub async fn update(
    page: Page,
    user: CurrentUser,
    id: web::Path<BotId>,
    bots: web::Data<Bots>,
    mut upload: Upload,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (user_id, meta) = (user.0.uuid(), metadata(&user.0));
    bots.owned(user_id, id)?;
    let model = PdfModelId::new();
    let mut form = BotForm::default();
    let saved = async {
        let sent = read_sent(&mut upload, &bots, model, &mut form).await?;
        let details = sent.form.parse()?;
        let pdf = match sent.file {
            Some(file) => PdfChange::Replace(NewPdf { model, file }),
            None if sent.remove_pdf => PdfChange::Remove,
            None => PdfChange::Keep,
        };
        bots.save(&user.0, id, details, pdf, &meta).await
    }
    .await;
    match saved {
        Ok(()) => Ok(see_other(&format!("/bots/{id}/edit?saved=1"))),
        Err(error) => {
            remove_folder(bots.pdf_models().knowledge(), model).await;
            refused(error, |notice| {
                let bot = bots.owned(user_id, id)?;
                render_editor(
                    &page,
                    &user.0,
                    &bots,
                    Some((id.as_uuid(), &bot)),
                    &form,
                    Some(notice),
                    false,
                )
            })
        }
    }
}
