/** Documents: the library's list, create, import, rename, delete, and opening one with its stages. */
import { fetchJob } from './jobs-actions.ts';
import { errorMessage, quire, store } from './quire-client.ts';
import { navigate } from './routing.ts';
import { documentSaveKey } from './save-key.ts';
import { dropSavesOf, hasPendingSave, stagesWithUnsavedEdits } from './saving.ts';

export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
const IMPORT_EXTENSIONS = ['.md', '.markdown', '.txt', '.html', '.htm'];

export async function loadDocuments(): Promise<void> {
  try {
    store().setDocuments(await quire().listDocuments());
  } catch (e) {
    store().pushNotice('error', `Could not load the documents: ${errorMessage(e)}`);
  }
}

export async function createDocument(title: string, workflowId: string): Promise<string | null> {
  try {
    const name = title.trim() || 'Untitled';
    const doc = await quire().createDocument({ title: name, source: `# ${name}\n\n`, format: 'md', workflowId });
    store().setDocument(doc);
    navigate({ name: 'document', documentId: doc.id, stageId: null });
    return doc.id;
  } catch (e) {
    store().pushNotice('error', `Could not create the document: ${errorMessage(e)}`);
    return null;
  }
}
/** Imports files chosen or dropped by the user; each failure is reported with its file name. */
export async function importFiles(files: Iterable<File>): Promise<string[]> {
  const ids: string[] = [];
  for (const file of files) {
    const ext = file.name.slice(file.name.lastIndexOf('.')).toLowerCase();
    if (!IMPORT_EXTENSIONS.includes(ext)) {
      store().pushNotice('error', `${file.name}: unsupported file type. Quire imports Markdown (.md, .markdown, .txt) and HTML (.html, .htm).`);
      continue;
    }
    if (file.size > MAX_IMPORT_BYTES) {
      store().pushNotice('error', `${file.name}: is larger than 10 MB; split it into smaller documents.`);
      continue;
    }
    try {
      const content = await readText(file);
      const doc = await quire().importDocument({ fileName: file.name, content });
      store().setDocument(doc);
      ids.push(doc.id);
      store().pushNotice('info', `Imported ${file.name} as “${doc.title}”.`);
    } catch (e) {
      const msg = errorMessage(e);
      store().pushNotice('error', msg.includes(file.name) ? msg : `${file.name}: ${msg}`);
    }
  }
  return ids;
}

function readText(file: File): Promise<string> {
  if (typeof file.text === 'function') return file.text();
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(file);
  });
}

export async function renameDocument(id: string, title: string): Promise<boolean> {
  const name = title.trim();
  if (!name) {
    store().pushNotice('error', 'A document needs a title.');
    return false;
  }
  try {
    const doc = await quire().saveDocument(id, { title: name });
    const open = store().docs[id];
    if (open) store().patchDocument(id, { title: doc.title, revision: doc.revision });
    else store().setDocument(doc);
    return true;
  } catch (e) {
    store().pushNotice('error', `Could not rename: ${errorMessage(e)}`);
    return false;
  }
}

export async function deleteDocument(id: string): Promise<boolean> {
  try {
    dropSavesOf(id);
    await quire().deleteDocument(id);
    store().removeDocument(id);
    store().forgetJobsOf(id);
    return true;
  } catch (e) {
    store().pushNotice('error', `Could not delete: ${errorMessage(e)}`);
    return false;
  }
}

/** Loads a document and its stages, and re-attaches each stage to its job. Never starts one. */
export async function openDocument(id: string): Promise<void> {
  try {
    const [doc, states] = await Promise.all([quire().getDocument(id), quire().getStageStates(id)]);
    if (!hasPendingSave(documentSaveKey(id))) store().setDocument(doc);
    store().setStageStates(id, states, stagesWithUnsavedEdits(id));
    await Promise.all(states.filter((s) => s.exportJobId).map((s) => fetchJob(s.exportJobId!)));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'DOCUMENT_NOT_FOUND') {
      store().pushNotice('error', errorMessage(e));
      navigate({ name: 'library' });
    } else {
      store().pushNotice('error', `Could not open the document: ${errorMessage(e)}`);
    }
  }
}

export async function refreshStageStates(documentId: string): Promise<void> {
  try {
    const states = await quire().getStageStates(documentId);
    store().setStageStates(documentId, states, stagesWithUnsavedEdits(documentId));
    await Promise.all(states.filter((s) => s.exportJobId && !store().jobs[s.exportJobId]).map((s) => fetchJob(s.exportJobId!)));
  } catch (e) {
    if ((e as { code?: string }).code !== 'DOCUMENT_NOT_FOUND') store().pushNotice('error', errorMessage(e));
  }
}
