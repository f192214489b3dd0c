/** A labelled progress bar (role=progressbar with aria-valuenow); the fill width is set through CSSOM, which CSP allows. */
export function ProgressBar({ value, label, valueText }: { value: number; label: string; valueText?: string }) {
  const v = Math.max(0, Math.min(100, Math.round(value)));
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={v}
      aria-valuetext={valueText ?? `${v}%`}
    >
      <div className="progress-fill" style={{ width: `${v}%` }} />
    </div>
  );
}
