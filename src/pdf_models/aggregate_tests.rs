//! Given/when/then tests of the PDF model aggregate's rules.
use super::*;

const HERE: Uuid = Uuid::from_u128(1);
const THERE: Uuid = Uuid::from_u128(2);

fn started_on(instance: Uuid) -> ModelEvent {
    ModelEvent::IngestionStarted {
        instance: Some(instance),
    }
}

fn start_here() -> ModelCommand {
    ModelCommand::StartIngestion {
        instance: HERE,
        taking_over: None,
    }
}

fn given(events: &[ModelEvent]) -> PdfModel {
    PdfModel::from_events(events)
}

fn created() -> Vec<ModelEvent> {
    vec![ModelEvent::ModelCreated {
        name: "Tax code".into(),
        description: "The 2026 tax code".into(),
        instructions: String::new(),
        base_model: "gpt-4o-mini".into(),
        file: SourceFile {
            path: "models/x/source.pdf".into(),
            sha256: "ab".into(),
            bytes: 10,
            original_name: "tax.pdf".into(),
        },
        bot: None,
    }]
}

fn ready() -> Vec<ModelEvent> {
    let mut events = created();
    events.push(started_on(HERE));
    events.push(ModelEvent::IngestionCompleted {
        pages: 3,
        chunks: 7,
        embedder: "minilm".into(),
        dimension: 384,
        table: "model_x".into(),
    });
    events
}

fn and(mut events: Vec<ModelEvent>, more: ModelEvent) -> Vec<ModelEvent> {
    events.push(more);
    events
}

#[test]
fn only_a_ready_model_can_be_launched() {
    assert_eq!(
        given(&created()).handle(ModelCommand::Launch),
        Err(ModelRuleError::NotReady)
    );
    let ingesting = and(created(), started_on(HERE));
    assert_eq!(
        given(&ingesting).handle(ModelCommand::Launch),
        Err(ModelRuleError::NotReady)
    );
    let failed = and(
        ingesting,
        ModelEvent::IngestionFailed {
            code: "no_text".into(),
            detail: "scanned".into(),
        },
    );
    assert_eq!(
        given(&failed).handle(ModelCommand::Launch),
        Err(ModelRuleError::NotReady)
    );
    assert_eq!(
        given(&ready()).handle(ModelCommand::Launch),
        Ok(vec![ModelEvent::ModelLaunched])
    );
    let launched = and(ready(), ModelEvent::ModelLaunched);
    assert!(given(&launched).answerable());
    assert_eq!(given(&launched).handle(ModelCommand::Launch), Ok(vec![]));
}

#[test]
fn ingestion_results_need_a_running_ingestion() {
    let index = Index {
        pages: 1,
        chunks: 1,
        embedder: "e".into(),
        dimension: 3,
        table: "t".into(),
    };
    assert_eq!(
        given(&created()).handle(ModelCommand::CompleteIngestion {
            instance: HERE,
            index: index.clone()
        }),
        Err(ModelRuleError::NotIngesting)
    );
    let ingesting = and(created(), started_on(HERE));
    // A reading that was taken over by another instance cannot end the new one.
    assert_eq!(
        given(&ingesting).handle(ModelCommand::CompleteIngestion {
            instance: THERE,
            index: index.clone()
        }),
        Err(ModelRuleError::ReadElsewhere)
    );
    let events = given(&ingesting)
        .handle(ModelCommand::CompleteIngestion {
            instance: HERE,
            index,
        })
        .unwrap();
    assert_eq!(events.len(), 1);
    let fail = ModelCommand::FailIngestion {
        instance: HERE,
        code: "x".into(),
        detail: "y".into(),
    };
    assert_eq!(
        given(&ready()).handle(fail),
        Err(ModelRuleError::NotIngesting)
    );
}

#[test]
fn a_ready_model_can_be_ingested_again_and_is_not_answerable_meanwhile() {
    let launched = and(ready(), ModelEvent::ModelLaunched);
    let events = given(&launched).handle(start_here()).unwrap();
    let again = and(launched, events[0].clone());
    let model = given(&again);
    assert_eq!(model.status, Status::Ingesting);
    assert!(model.launched && !model.answerable());
}

#[test]
fn editing_records_only_changes_and_versions_the_instructions() {
    let model = given(&ready());
    let same = ModelCommand::Edit {
        name: "Tax code".into(),
        description: "The 2026 tax code".into(),
        instructions: String::new(),
    };
    assert_eq!(model.handle(same), Ok(vec![]));
    let events = model
        .handle(ModelCommand::Edit {
            name: "Tax code".into(),
            description: "The 2026 tax code".into(),
            instructions: "Answer in Uzbek.".into(),
        })
        .unwrap();
    assert_eq!(
        events,
        vec![ModelEvent::ModelEdited {
            name: None,
            description: None,
            instructions: Some("Answer in Uzbek.".into()),
        }]
    );
    let edited = given(&and(ready(), events[0].clone()));
    assert_eq!(edited.instructions_version, 2);
}

#[test]
fn a_deleted_model_refuses_everything_and_is_not_launched() {
    let deleted = and(
        and(ready(), ModelEvent::ModelLaunched),
        ModelEvent::ModelDeleted,
    );
    let model = given(&deleted);
    assert!(!model.launched && !model.exists());
    for command in [ModelCommand::Launch, ModelCommand::Delete, start_here()] {
        assert_eq!(model.handle(command), Err(ModelRuleError::NotFound));
    }
}

#[test]
fn event_type_names_are_the_serde_tags() {
    for event in and(ready(), ModelEvent::ModelLaunched) {
        let payload = serde_json::to_value(&event).unwrap();
        assert_eq!(
            payload["type"],
            crate::events::DomainEvent::event_type(&event)
        );
    }
}

#[test]
fn a_reading_on_another_instance_is_replaced_only_when_taken_over() {
    let elsewhere = and(created(), started_on(THERE));
    let model = given(&elsewhere);
    assert_eq!(model.reader(), Some(THERE));
    assert_eq!(
        model.handle(start_here()),
        Err(ModelRuleError::ReadElsewhere)
    );
    let taken = model
        .handle(ModelCommand::StartIngestion {
            instance: HERE,
            taking_over: Some(THERE),
        })
        .unwrap();
    assert_eq!(taken, vec![started_on(HERE)]);
    assert_eq!(
        given(&and(elsewhere, taken[0].clone())).reader(),
        Some(HERE)
    );
    // This instance may start again (a retry), and an old event without an instance is no owner.
    assert!(
        given(&and(created(), started_on(HERE)))
            .handle(start_here())
            .is_ok()
    );
    let unnamed = and(created(), ModelEvent::IngestionStarted { instance: None });
    assert!(given(&unnamed).handle(start_here()).is_ok());
}
