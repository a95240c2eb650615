import type { HyperparameterDraft } from '../lib/client/hyperparameters'
import { NUMBER_FIELDS, QUANTIZATIONS, fieldProblem } from '../lib/client/hyperparameters'

/** The hyperparameters, each with its allowed range and any problem with the value typed. */
export function HyperparameterForm({ draft, onChange }: { draft: HyperparameterDraft; onChange: (changes: Partial<HyperparameterDraft>) => void }) {
  return (
    <fieldset className="hyperparameters">
      <legend>Hyperparameters</legend>
      <div className="field-grid">
        {NUMBER_FIELDS.map((field) => {
          const problem = fieldProblem(field, draft[field.key] ?? '')
          const hintId = `hp-${field.key}-hint`
          return (
            <div key={field.key} className="field">
              <label htmlFor={`hp-${field.key}`}>{field.label}</label>
              <input
                id={`hp-${field.key}`}
                name={field.key}
                type="number"
                inputMode="decimal"
                min={field.min}
                max={field.max}
                step={field.step}
                value={draft[field.key] ?? ''}
                onChange={(event) => onChange({ [field.key]: event.target.value })}
                aria-invalid={problem ? true : undefined}
                aria-describedby={hintId}
              />
              <span id={hintId} className={problem ? 'hint error' : 'hint'}>
                {problem ?? `${field.help} Range ${field.min} to ${field.max.toLocaleString('en-US')}.`}
              </span>
            </div>
          )
        })}
        <div className="field">
          <label htmlFor="hp-quantization">Base weights</label>
          <select id="hp-quantization" value={draft.quantization} onChange={(event) => onChange({ quantization: event.target.value })}>
            {QUANTIZATIONS.map((choice) => <option key={choice.value} value={choice.value}>{choice.label}</option>)}
          </select>
          <span className="hint">How the frozen base weights are stored on the GPU.</span>
        </div>
        <div className="field checkbox">
          <label>
            <input type="checkbox" checked={draft.gradientCheckpointing === 'true'} onChange={(event) => onChange({ gradientCheckpointing: String(event.target.checked) })} />
            Gradient checkpointing
          </label>
          <span className="hint">Recompute activations in the backward pass: less memory, slower.</span>
        </div>
      </div>
    </fieldset>
  )
}

