//! The site aggregate: the `site/global` stream folded into the settings an admin edits and the
//! catalog of models offered in the picker (`apply`), and the rules for changing them (`handle`).
use super::events::{ModelKind, SiteEvent};
use crate::events::Aggregate;

#[derive(Clone, Debug, PartialEq)]
pub struct CatalogModel {
    pub id: String,
    pub name: String,
    /// Shown under the name in the picker (PDF models).
    pub description: String,
    pub kind: ModelKind,
    pub enabled: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Site {
    pub default_limit: Option<u32>,
    /// In the order they were added.
    pub models: Vec<CatalogModel>,
    pub default_model: Option<String>,
    pub sequence: u64,
}

/// A model `.env` asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct WantedModel {
    pub id: String,
    pub name: String,
    pub kind: ModelKind,
}

#[derive(Clone, Debug)]
pub enum SiteCommand {
    /// Brings a fresh (or older) site up to what `.env` describes; never undoes an admin's choice.
    Seed {
        default_limit: u32,
        models: Vec<WantedModel>,
        /// With an API key an upstream model is the first default; otherwise the first wanted.
        prefer_upstream: bool,
    },
    SetDefaultLimit {
        limit: u32,
    },
    EnableModel {
        id: String,
    },
    DisableModel {
        id: String,
    },
    ChooseDefaultModel {
        id: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SiteRuleError {
    #[error("a prompt limit must be at least 1")]
    LimitTooSmall,
    #[error("no such model in the catalog")]
    UnknownModel,
    #[error("the default model cannot be disabled")]
    DisablingTheDefault,
    #[error("a disabled model cannot be the default")]
    DefaultMustBeEnabled,
}

impl Site {
    pub fn model(&self, id: &str) -> Option<&CatalogModel> {
        self.models.iter().find(|m| m.id == id)
    }

    /// The model if the picker offers it.
    pub fn enabled_model(&self, id: &str) -> Option<&CatalogModel> {
        self.model(id).filter(|m| m.enabled)
    }

    fn known(&self, id: &str) -> Result<&CatalogModel, SiteRuleError> {
        self.model(id).ok_or(SiteRuleError::UnknownModel)
    }

    fn seed(
        &self,
        default_limit: u32,
        wanted: Vec<WantedModel>,
        prefer_upstream: bool,
    ) -> Vec<SiteEvent> {
        let mut events = Vec::new();
        if self.default_limit.is_none() {
            events.push(SiteEvent::DefaultPromptLimitChanged {
                limit: default_limit.max(1),
            });
        }
        let default = match &self.default_model {
            Some(_) => None,
            None => prefer_upstream
                .then(|| wanted.iter().find(|m| m.kind == ModelKind::Upstream))
                .flatten()
                .or(wanted.first())
                .map(|m| m.id.clone()),
        };
        for model in wanted {
            if self.model(&model.id).is_none() {
                events.push(SiteEvent::ModelAdded {
                    id: model.id,
                    name: model.name,
                    kind: model.kind,
                });
            }
        }
        if let Some(id) = default {
            events.push(SiteEvent::DefaultModelChosen { id });
        }
        events
    }
}

impl Aggregate for Site {
    type Event = SiteEvent;
    type Command = SiteCommand;
    type Error = SiteRuleError;

    fn apply(&mut self, event: &SiteEvent) {
        self.sequence += 1;
        match event {
            SiteEvent::DefaultPromptLimitChanged { limit } => self.default_limit = Some(*limit),
            SiteEvent::ModelAdded { id, name, kind } => self.models.push(CatalogModel {
                id: id.clone(),
                name: name.clone(),
                description: String::new(),
                kind: *kind,
                enabled: true,
            }),
            SiteEvent::ModelEnabled { id } | SiteEvent::ModelDisabled { id } => {
                let enabled = matches!(event, SiteEvent::ModelEnabled { .. });
                if let Some(model) = self.models.iter_mut().find(|m| m.id == *id) {
                    model.enabled = enabled;
                }
            }
            SiteEvent::DefaultModelChosen { id } => self.default_model = Some(id.clone()),
        }
    }

    fn sequence(&self) -> u64 {
        self.sequence
    }

    fn handle(&self, command: SiteCommand) -> Result<Vec<SiteEvent>, SiteRuleError> {
        match command {
            SiteCommand::Seed {
                default_limit,
                models,
                prefer_upstream,
            } => Ok(self.seed(default_limit, models, prefer_upstream)),
            SiteCommand::SetDefaultLimit { limit: 0 } => Err(SiteRuleError::LimitTooSmall),
            SiteCommand::SetDefaultLimit { limit } => {
                Ok(vec![SiteEvent::DefaultPromptLimitChanged { limit }])
            }
            SiteCommand::EnableModel { id } => {
                let model = self.known(&id)?;
                Ok(if model.enabled {
                    Vec::new()
                } else {
                    vec![SiteEvent::ModelEnabled { id }]
                })
            }
            SiteCommand::DisableModel { id } => {
                let model = self.known(&id)?;
                if self.default_model.as_deref() == Some(id.as_str()) {
                    return Err(SiteRuleError::DisablingTheDefault);
                }
                Ok(if model.enabled {
                    vec![SiteEvent::ModelDisabled { id }]
                } else {
                    Vec::new()
                })
            }
            SiteCommand::ChooseDefaultModel { id } => {
                if !self.known(&id)?.enabled {
                    return Err(SiteRuleError::DefaultMustBeEnabled);
                }
                Ok(if self.default_model.as_deref() == Some(id.as_str()) {
                    Vec::new()
                } else {
                    vec![SiteEvent::DefaultModelChosen { id }]
                })
            }
        }
    }
}

#[cfg(test)]
#[path = "aggregate_tests.rs"]
mod tests;
