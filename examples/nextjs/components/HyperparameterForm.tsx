import type { Field, HyperparameterDraft } from '../lib/client/hyperparameters'
import { fieldProblem, isNumber } from '../lib/client/hyperparameters'

/** The hyperparameters, each with its allowed range and any problem with the value typed. */
export function HyperparameterForm({ fields, draft, onChange }: { fields: readonly Field[]; draft: HyperparameterDraft; onChange: (changes: HyperparameterDraft) => void }) {
  return (
    <fieldset className="hyperparameters">
      <legend>Hyperparameters</legend>
      <div className="field-grid">
        {fields.map((field) => <FieldInput key={field.key} field={field} text={draft[field.key] ?? ''} onChange={(text) => onChange({ [field.key]: text })} />)}
      </div>
    </fieldset>
  )
}

/** One hyperparameter: a number input, a select of its choices, a checkbox or a list of names. */
function FieldInput({ field, text, onChange }: { field: Field; text: string; onChange: (text: string) => void }) {
  const id = `hp-${field.key}`
  const hintId = `${id}-hint`
  if (field.kind === 'switch') {
    return (
      <div className="field checkbox">
        <label>
          <input id={id} type="checkbox" checked={text === 'true'} onChange={(event) => onChange(String(event.target.checked))} aria-describedby={hintId} />
          {field.label}
        </label>
        <span id={hintId} className="hint">{field.help}</span>
      </div>
    )
  }
  if (field.kind === 'names') {
    const problem = fieldProblem(field, text)
    return (
      <div className="field">
        <label htmlFor={id}>{field.label}</label>
        <input id={id} name={field.key} type="text" spellCheck={false} value={text} onChange={(event) => onChange(event.target.value)} aria-invalid={problem ? true : undefined} aria-describedby={hintId} />
        <span id={hintId} className={problem ? 'hint error' : 'hint'}>{problem ?? `${field.help} Separated by commas.`}</span>
      </div>
    )
  }
  if (!isNumber(field)) {
    return (
      <div className="field">
        <label htmlFor={id}>{field.label}</label>
        <select id={id} value={text} onChange={(event) => onChange(event.target.value)} aria-describedby={hintId}>
          {field.choices.map((choice) => <option key={choice} value={choice}>{choice}</option>)}
        </select>
        <span id={hintId} className="hint">{field.help}</span>
      </div>
    )
  }
  const problem = fieldProblem(field, text)
  const range = field.min === undefined || field.max === undefined ? '' : ` Range ${field.min} to ${field.max.toLocaleString('en-US')}.`
  return (
    <div className="field">
      <label htmlFor={id}>{field.label}</label>
      <input
        id={id}
        name={field.key}
        type="number"
        inputMode="decimal"
        min={field.min}
        max={field.max}
        step={field.kind === 'integer' ? 1 : 'any'}
        value={text}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={problem ? true : undefined}
        aria-describedby={hintId}
      />
      <span id={hintId} className={problem ? 'hint error' : 'hint'}>
        {problem ?? `${field.help}${range}`}
      </span>
    </div>
  )
}
