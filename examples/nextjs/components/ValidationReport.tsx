import { formatBytes, formatCount, formatFloat, humanize } from '../lib/client/format'
import type { DatasetStats, ValidationFinding } from '../lib/client/types'

/** Props of ValidationReport: the findings kept and the statistics of one validation. */
export interface ValidationReportProps {
  findings: ValidationFinding[]
  stats: DatasetStats | undefined
  /** Every finding counted by code, when known (the list keeps only the first of each code). */
  counts?: Record<string, number>
}

/** The statistics of a validated file, then its findings by line, code, message and fix. */
export function ValidationReport({ findings, stats, counts }: ValidationReportProps) {
  return (
    <div className="report" data-testid="validation-report">
      {stats && <Statistics stats={stats} />}
      <h3>Findings</h3>
      {counts && Object.keys(counts).length > 0 && (
        <ul className="chips" aria-label="Findings by code">
          {Object.entries(counts).map(([code, count]) => <li key={code}><code>{code}</code> × {count}</li>)}
        </ul>
      )}
      {findings.length === 0 ? (
        <p className="ok" data-testid="no-findings">No problems found.</p>
      ) : (
        <table className="table findings">
          <caption className="visually-hidden">Validation findings</caption>
          <thead>
            <tr>
              <th scope="col" className="number">Line</th>
              <th scope="col">Severity</th>
              <th scope="col">Code</th>
              <th scope="col">Message</th>
              <th scope="col">How to fix</th>
            </tr>
          </thead>
          <tbody>
            {findings.map((finding, index) => (
              <tr key={`${finding.line ?? 0}-${finding.code}-${index}`} className={`severity-${finding.severity}`}>
                <td className="number">{finding.line ?? '—'}{finding.path && <div className="muted small"><code>{finding.path}</code></div>}</td>
                <td><span className={`badge badge-${finding.severity}`}>{finding.severity}</span></td>
                <td><code>{finding.code}</code></td>
                <td>{finding.message}</td>
                <td>{finding.suggestion ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}

/** The statistics as a list of figures. */
function Statistics({ stats }: { stats: DatasetStats }) {
  const tokens = stats.tokensPerConversation
  const figures: Array<[string, string]> = [
    ['Conversations', formatCount(stats.conversations)],
    ['Training pairs', formatCount(stats.trainingPairs)],
    ['Validation pairs', formatCount(stats.validationPairs)],
    ['Lines', formatCount(stats.lines)],
    ['Size', formatBytes(stats.bytes)],
    ['Tokens', `${formatCount(stats.totalTokens)}${stats.tokensExact ? '' : ' (estimated)'}`],
    ['Trainable tokens', formatCount(stats.trainableTokens)],
    ['Tokens per conversation', tokens ? `${tokens.min} / ${tokens.median} / ${tokens.p95} / ${tokens.max} (min / median / p95 / max)` : '—'],
    ['Messages per conversation', stats.messagesPerConversation ? `${stats.messagesPerConversation.min} to ${stats.messagesPerConversation.max}, mean ${formatFloat(stats.messagesPerConversation.mean, 3)}` : '—'],
    ['Over max length', stats.maxSeqLen ? `${formatCount(stats.overMaxSeqLen)} (> ${formatCount(stats.maxSeqLen)} tokens)` : formatCount(stats.overMaxSeqLen)],
    ['Duplicates', formatCount(stats.duplicates)],
    ['Train / validation overlap', formatCount(stats.trainValidationOverlap)],
    ['Roles', `${stats.roles.system} system, ${stats.roles.user} user, ${stats.roles.assistant} assistant`],
    ['Tokenizer', stats.tokenizer ?? '—'],
  ]
  return (
    <>
      <h3>Statistics</h3>
      <dl className="figures" data-testid="statistics">
        {figures.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </>
  )
}
