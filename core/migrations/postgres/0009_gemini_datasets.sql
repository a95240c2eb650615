-- Gemini datasets (`gemini`, Vertex AI's tuning format).
ALTER TABLE datasets
    DROP CONSTRAINT datasets_format_check,
    ADD CONSTRAINT datasets_format_check
        CHECK (format IN ('brightrun_lora_v4', 'brightrun_lora_v3', 'chat', 'prompt_completion', 'alpaca', 'sharegpt',
                          'text', 'gemini'));
