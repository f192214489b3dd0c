import { formatBytes, type JobOutput, type JobSnapshot } from '../../../engine/api/types.ts';
import { FORMAT_LABELS, fileName } from '../lib/format.ts';
import { downloadUrl, openOutput, showOutputInFolder } from '../store/jobs-actions.ts';
import { useQuireStore } from '../store/store.ts';

/** The files a job wrote, with what this host can do with them: open, show, download, or the path. */
export function OutputList({ job }: { job: JobSnapshot }) {
  const hostInfo = useQuireStore((s) => s.hostInfo);
  if (job.outputs.length === 0) return null;
  const folder = job.outputs[0]!.path.replace(/[\\/][^\\/]*$/, '');
  return (
    <div className="outputs">
      <h3>Files</h3>
      <ul className="output-list" aria-label="Exported files">
        {job.outputs.map((o) => (
          <OutputRow key={o.format} job={job} output={o} canOpen={!!hostInfo?.canOpenPath} canShow={!!hostInfo?.canShowInFolder} hasDownloads={!!hostInfo?.downloadBase} />
        ))}
      </ul>
      <p className="muted small path" title={folder}>
        Saved in <code>{folder}</code>
      </p>
    </div>
  );
}

function OutputRow({
  job,
  output,
  canOpen,
  canShow,
  hasDownloads,
}: {
  job: JobSnapshot;
  output: JobOutput;
  canOpen: boolean;
  canShow: boolean;
  hasDownloads: boolean;
}) {
  const name = fileName(output.path);
  const href = hasDownloads ? downloadUrl(job.id, output.format) : null;
  return (
    <li className="output-row" data-testid="output-row" data-format={output.format}>
      <span className={`badge badge-${output.format}`}>{FORMAT_LABELS[output.format]}</span>
      <span className="output-name grow" title={output.path}>
        {name}
        <span className="muted small output-meta">
          {formatBytes(output.bytes)}
          {output.pages ? ` · ${output.pages} ${output.pages === 1 ? 'page' : 'pages'}` : ''}
        </span>
      </span>
      <span className="row-actions">
        {canOpen && (
          <button type="button" onClick={() => void openOutput(output.path)} aria-label={`Open ${name}`}>
            Open
          </button>
        )}
        {canShow && (
          <button type="button" onClick={() => void showOutputInFolder(output.path)} aria-label={`Show ${name} in folder`}>
            Show in folder
          </button>
        )}
        {!canOpen && href && (
          <a className="button" href={href} download={name} aria-label={`Download ${name}`}>
            Download
          </a>
        )}
        {!canOpen && !canShow && !href && <code className="small">{output.path}</code>}
      </span>
    </li>
  );
}
