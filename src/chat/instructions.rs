//! A user's custom instructions (Settings) as the model reads them in a new chat.
use crate::store::users::UserRow;

/// The owner's custom instructions as the model reads them (a system message in each turn of
/// a chat started while they were set); `None` when the user set none.
pub fn custom_instructions(user: &UserRow) -> Option<String> {
    let field = |text: &Option<String>| {
        text.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let parts: Vec<String> = [
        field(&user.custom_about)
            .map(|t| format!("What the user wants you to know about them:\n{t}")),
        field(&user.custom_style).map(|t| format!("How the user wants you to answer:\n{t}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| {
        format!(
            "The user set these custom instructions; follow them unless they ask for something harmful.\n\n{}",
            parts.join("\n\n")
        )
    })
}
