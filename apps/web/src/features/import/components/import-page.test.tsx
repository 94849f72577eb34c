import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { ImageNode } from '@imageflow/shared';
import { serveStudio, singleUser } from '@/test/accounts';
import { apiError, fakeHttp, json, type FakeHttp, type SeenRequest } from '@/test/fake-http';
import { makeNode } from '@/test/image-node';
import { a1111Node, comfyNode } from '@/test/imported-nodes';
import { renderApp } from '@/test/render-app';
import { importQueue } from '../queue';

vi.mock('sonner', () => ({ toast: Object.assign(vi.fn(), { success: vi.fn(), error: vi.fn() }), Toaster: () => null }));

let http: FakeHttp;

const PARENT_SHA = 'f0'.repeat(32);
const file = (name: string, type = 'image/png', body = name) => new File([body], name, { type });
const uploadedName = (req: SeenRequest) => ((req.body as FormData).get('file') as File).name;

/** The upload route: each file name answers as given (a node and 201/200, or an error). */
function serveUploads(answers: Record<string, () => Response | Promise<Response>>) {
  http.on('POST', '/api/images/upload', (req) => {
    const answer = answers[uploadedName(req)];
    return answer ? answer() : apiError(500, 'internal', 'No answer for this file in the test.');
  });
}

const rows = () => screen.getAllByTestId('import-row');
const row = (name: string) => rows().find((r) => within(r).queryByText(name))!;

beforeEach(() => {
  http = fakeHttp();
  serveStudio(http, singleUser);
  importQueue.reset({ sleep: async () => {} });
  vi.stubGlobal('scrollTo', vi.fn());
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

describe('the Import screen', () => {
  it('is in the navigation', async () => {
    const { user, where } = renderApp('/gallery');
    await user.click(await screen.findByRole('link', { name: 'Import' }));
    expect(where()).toBe('/import');
    expect(await screen.findByRole('heading', { name: 'Import', level: 1 })).toBeTruthy();
    expect(document.title).toBe('Import · ImageFlow');
  });

  it('uploads each file and says what became of it: new, already here, attached, waiting, refused', async () => {
    const child = makeNode({ id: 31, parent_id: 30, depth: 1, action_type: 'variation', prompt: 'a lighthouse, at night', spec_json: { width: 512, height: 512, imported_from: { tool: 'imageflow', node_id: 9 } } });
    const orphan = makeNode({ id: 32, action_type: 'upload', prompt: 'a fox', pending_parent_sha256: PARENT_SHA, spec_json: { width: 512, height: 512, imported_from: { tool: 'imageflow', node_id: 4 } } });
    serveUploads({
      'duck.png': () => json(201, a1111Node()),
      'girl.png': () => json(200, comfyNode()),
      'child.png': () => json(201, child),
      'orphan.png': () => json(201, orphan),
      'huge.png': () => apiError(413, 'payload_too_large', 'The file is 80 MB; ImageFlow takes files up to 50 MB.'),
      'photo.png': () => json(201, makeNode({ id: 33, action_type: 'upload', prompt: '', negative_prompt: '', spec_json: { width: 640, height: 480 } })),
    });
    const { user } = renderApp('/import');
    const names = ['duck.png', 'girl.png', 'child.png', 'orphan.png', 'huge.png', 'photo.png'];
    await user.upload(await screen.findByLabelText('Image files'), names.map((n) => file(n)));

    await waitFor(() => expect(screen.getByRole('heading', { name: '6 files imported' })).toBeTruthy());
    expect(screen.getByTestId('import-summary').textContent).toBe('2 new, 1 already here, 1 attached to its parent, 1 waiting for its parent, 1 refused');
    expect(rows().map((r) => r.dataset.status)).toEqual(['new', 'existing', 'attached', 'waiting', 'refused', 'new']);

    const duck = within(row('duck.png'));
    expect(duck.getByText('New')).toBeTruthy();
    expect(duck.getByText('AUTOMATIC1111')).toBeTruthy();
    expect(duck.getByText('photo of a duck')).toBeTruthy();
    expect(duck.getByRole('link', { name: 'duck.png' }).getAttribute('href')).toBe('/image/10');
    expect(row('duck.png').querySelector('img')!.getAttribute('src')).toBe('/thumbs/upload_10.webp');

    expect(within(row('girl.png')).getByText('Already here')).toBeTruthy();
    expect(within(row('girl.png')).getByText('ComfyUI')).toBeTruthy();
    const attached = within(row('child.png'));
    expect(attached.getByText(/Attached under/).textContent).toBe('Attached under #30');
    expect(attached.getByRole('link', { name: '#30' }).getAttribute('href')).toBe('/image/30');
    expect(attached.getByText('ImageFlow')).toBeTruthy();
    const waiting = within(row('orphan.png'));
    expect(waiting.getByText(/Waiting for its parent/).getAttribute('title')).toContain(PARENT_SHA);
    const refused = within(row('huge.png'));
    expect(refused.getByText('Refused')).toBeTruthy();
    expect(refused.getByRole('alert').textContent).toBe('The file is 80 MB; ImageFlow takes files up to 50 MB.');
    expect(refused.queryByRole('link')).toBeNull();
    expect(within(row('photo.png')).getByText('No recipe in the file')).toBeTruthy();
    expect(screen.getByRole('progressbar', { name: 'Import progress' }).getAttribute('aria-valuenow')).toBe('100');
  });

  it('sends two files at a time, and goes on after a failure', async () => {
    const pending: Array<(r: Response) => void> = [];
    http.on('POST', '/api/images/upload', () => new Promise<Response>((resolve) => pending.push(resolve)));
    const { user } = renderApp('/import');
    await user.upload(await screen.findByLabelText('Image files'), [file('a.png'), file('b.png'), file('c.png'), file('d.png')]);
    await waitFor(() => expect(pending).toHaveLength(2));
    expect(screen.getByRole('heading', { name: 'Importing 1 of 4…' })).toBeTruthy();
    expect(rows().map((r) => r.dataset.status)).toEqual(['uploading', 'uploading', 'queued', 'queued']);
    await act(async () => pending[0]!(apiError(500, 'internal', 'The disk is full.')));
    await waitFor(() => expect(pending).toHaveLength(3));
    expect(within(row('a.png')).getByText('Failed')).toBeTruthy();
    await act(async () => {
      pending[1]!(json(201, makeNode({ id: 2, action_type: 'upload' })));
      pending[2]!(json(201, makeNode({ id: 3, action_type: 'upload' })));
    });
    await waitFor(() => expect(pending).toHaveLength(4));
    await act(async () => pending[3]!(json(201, makeNode({ id: 4, action_type: 'upload' }))));
    await waitFor(() => expect(screen.getByTestId('import-summary').textContent).toBe('3 new, 1 failed'));
    expect(http.to('/api/images/upload')).toHaveLength(4);
  });

  it('waits and sends again while the server is busy', async () => {
    let calls = 0;
    http.on('POST', '/api/images/upload', () => (++calls === 1 ? apiError(429, 'rate_limited', 'Too many requests.', { 'retry-after': '2' }) : json(201, a1111Node())));
    const { user } = renderApp('/import');
    await user.upload(await screen.findByLabelText('Image files'), [file('duck.png')]);
    await waitFor(() => expect(within(row('duck.png')).getByText('New')).toBeTruthy());
    expect(calls).toBe(2);
  });

  it('shows a waiting image attached once its parent arrives', async () => {
    const orphan = makeNode({ id: 41, action_type: 'upload', pending_parent_sha256: PARENT_SHA, spec_json: { width: 64, height: 64, imported_from: { tool: 'imageflow', node_id: 2 } } });
    const parent = makeNode({ id: 40, sha256: PARENT_SHA, spec_json: { width: 64, height: 64, imported_from: { tool: 'imageflow', node_id: 1 } } });
    serveUploads({ 'child.png': () => json(201, orphan), 'parent.png': () => json(201, parent) });
    http.on('GET', '/api/images/41', json(200, { ...orphan, parent_id: 40, depth: 1, pending_parent_sha256: null, action_type: 'variation' }));
    const { user } = renderApp('/import');
    const input = await screen.findByLabelText('Image files');
    await user.upload(input, [file('child.png')]);
    await waitFor(() => expect(within(row('child.png')).getByText(/Waiting for its parent/)).toBeTruthy());
    await user.upload(input, [file('parent.png')]);
    await waitFor(() => expect(within(row('child.png')).getByText(/Attached under/).textContent).toBe('Attached under #40'));
    expect(within(row('parent.png')).getByText('New')).toBeTruthy();
  });

  it('takes the images of a folder and leaves the other files out, with a note', async () => {
    serveUploads({ 'duck.png': () => json(201, a1111Node()), 'girl.webp': () => json(201, comfyNode()) });
    const { user } = renderApp('/import');
    const inFolder = (f: File, path: string) => Object.defineProperty(f, 'webkitRelativePath', { value: path });
    const picked = [
      inFolder(file('duck.png'), 'renders/duck.png'),
      inFolder(file('notes.txt', 'text/plain'), 'renders/notes.txt'),
      inFolder(file('girl.webp', ''), 'renders/2024/girl.webp'),
      inFolder(file('.DS_Store', ''), 'renders/.DS_Store'),
    ];
    await user.upload(await screen.findByLabelText('Folder of images'), picked);
    await waitFor(() => expect(screen.getByRole('heading', { name: '2 files imported' })).toBeTruthy());
    expect(rows().map((r) => within(r).getAllByText(/^renders\//)[0]!.textContent)).toEqual(['renders/duck.png', 'renders/2024/girl.webp']);
    expect(screen.getByTestId('skipped-note').textContent).toBe('2 files of the folder are not images and were left out: renders/notes.txt, renders/.DS_Store');
    expect(http.to('/api/images/upload')).toHaveLength(2);
  });

  it('imports what is dropped on it', async () => {
    serveUploads({ 'duck.png': () => json(201, a1111Node()) });
    renderApp('/import');
    const zone = await screen.findByTestId('drop-zone');
    const dropped = [file('duck.png')];
    fireEvent.dragEnter(zone, { dataTransfer: { types: ['Files'] } });
    expect(screen.getByText('Drop to import')).toBeTruthy();
    fireEvent.drop(zone, { dataTransfer: { types: ['Files'], files: dropped, items: [] } });
    await waitFor(() => expect(within(row('duck.png')).getByText('New')).toBeTruthy());
    expect(screen.queryByText('Drop to import')).toBeNull();
  });

  it('imports a lineage bundle and links to its tree', async () => {
    http.on('POST', '/api/bundles', json(201, { nodes: 5, added: 3, existing: 2, root_id: 40, focus_id: 42 }));
    const { user } = renderApp('/import');
    // Picked as a bundle, it is one, whatever its name says.
    await user.upload(await screen.findByLabelText('Lineage bundle'), [file('lighthouse.zip', 'application/zip'), file('export', 'application/zip')]);
    const bundle = within(await waitFor(() => row('lighthouse.zip')));
    await waitFor(() => expect(bundle.getByTestId('bundle-result').textContent).toBe('Bundle: 5 images, 3 added, 2 already here'));
    expect(bundle.getByRole('link', { name: 'Open the tree of #40' }).getAttribute('href')).toBe('/lineage/40');
    const sent = http.to('/api/bundles', 'POST').map((r) => ((r.body as FormData).get('file') as File).name);
    await waitFor(() => expect(screen.getByTestId('import-summary').textContent).toBe('2 bundles'));
    expect(sent.sort()).toEqual(['export', 'lighthouse.zip']);
    expect(http.to('/api/images/upload')).toHaveLength(0);
  });

  it('says why a bundle is refused, in the server’s words', async () => {
    http.on(
      'POST',
      '/api/bundles',
      apiError(400, 'bundle_hash_mismatch', 'files/ab12….png is not the file the manifest names (its sha256 differs): the bundle was changed or damaged. Export it again.'),
    );
    const { user } = renderApp('/import');
    await user.upload(await screen.findByLabelText('Lineage bundle'), [file('broken.zip', 'application/zip')]);
    const bundle = within(await waitFor(() => row('broken.zip')));
    await waitFor(() => expect(bundle.getByText('Refused')).toBeTruthy());
    expect(bundle.getByRole('alert').textContent).toMatch(/the bundle was changed or damaged\. Export it again\.$/);
  });

  it('clears the finished rows, and keeps the list while the person is elsewhere', async () => {
    serveUploads({ 'duck.png': () => json(201, a1111Node()) });
    const { user, router } = renderApp('/import');
    await user.upload(await screen.findByLabelText('Image files'), [file('duck.png')]);
    await waitFor(() => expect(within(row('duck.png')).getByText('New')).toBeTruthy());
    await act(() => router.navigate('/gallery'));
    await act(() => router.navigate('/import'));
    expect(within(row('duck.png')).getByText('New')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Clear finished' }));
    expect(screen.queryAllByTestId('import-row')).toHaveLength(0);
  });

  it('puts each imported image in the cache, for its page to open at once', async () => {
    const node: ImageNode = a1111Node();
    serveUploads({ 'duck.png': () => json(201, node) });
    const { user, client } = renderApp('/import');
    await user.upload(await screen.findByLabelText('Image files'), [file('duck.png')]);
    await waitFor(() => expect(client.getQueryData(['image', 10])).toEqual(node));
  });
});
