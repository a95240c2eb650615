import { formatFloat, humanize } from '../lib/client/format'
import type { Preset, PresetSummary } from '../lib/client/types'

/** The presets side by side as radio cards, each with its description and main values. */
export function PresetPicker({ presets, value, onChange }: { presets: PresetSummary[]; value: Preset; onChange: (preset: PresetSummary) => void }) {
  return (
    <fieldset className="presets">
      <legend>Preset</legend>
      <div className="preset-grid">
        {presets.map((preset) => {
          const values = preset.hyperparameters
          return (
            <label key={preset.name} className={preset.name === value ? 'preset-card selected' : 'preset-card'} data-testid={`preset-${preset.name}`}>
              <input type="radio" name="preset" value={preset.name} checked={preset.name === value} onChange={() => onChange(preset)} />
              <strong>{humanize(preset.name)}</strong>
              <span className="muted small">{preset.description}</span>
              <dl className="preset-values">
                <div><dt>Learning rate</dt><dd>{formatFloat(values.learningRate, 3)}</dd></div>
                <div><dt>Epochs</dt><dd>{values.epochs}</dd></div>
                <div><dt>Batch</dt><dd>{values.batchSize}</dd></div>
                <div><dt>Rank / alpha</dt><dd>{values.loraRank} / {values.loraAlpha}</dd></div>
                <div><dt>Warmup</dt><dd>{values.warmupSteps}</dd></div>
              </dl>
            </label>
          )
        })}
      </div>
    </fieldset>
  )
}
