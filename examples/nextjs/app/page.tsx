import Link from 'next/link'

/** The way through the product: data, training, results, money. */
const STEPS = [
  { href: '/datasets/new', title: 'Upload a dataset', text: 'Drop a chat or BrightRun JSONL file; it is validated line by line, with tokens counted.' },
  { href: '/jobs/new', title: 'Configure training', text: 'Pick a preset, adjust the hyperparameters, and see the duration, cost and GPU memory before you start.' },
  { href: '/jobs', title: 'Follow the jobs', text: 'Progress, ETA, cost so far and the loss curves, live.' },
  { href: '/models', title: 'Download adapters', text: 'Every file of a trained LoRA adapter, with its size and SHA-256.' },
  { href: '/costs', title: 'Watch the costs', text: 'This month by type against your budget.' },
]

/** The start page: what the product does, step by step. */
export default function HomePage() {
  return (
    <>
      <h1>LoRA fine-tuning, from upload to adapter</h1>
      <ol className="steps">
        {STEPS.map((step) => (
          <li key={step.href} className="card">
            <h2><Link href={step.href}>{step.title}</Link></h2>
            <p>{step.text}</p>
          </li>
        ))}
      </ol>
    </>
  )
}
