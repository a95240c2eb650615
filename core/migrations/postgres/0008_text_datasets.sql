-- Plain-text datasets (`text`, continued pretraining).
ALTER TABLE datasets
    DROP CONSTRAINT datasets_format_check,
    ADD CONSTRAINT datasets_format_check
        CHECK (format IN ('brightrun_lora_v4', 'brightrun_lora_v3', 'chat', 'prompt_completion', 'alpaca', 'sharegpt',
                          'text'));
