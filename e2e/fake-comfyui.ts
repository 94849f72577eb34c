// A ComfyUI stand-in for the browser tests (the real protocol, from the API's test fakes), slow
// enough per step that live previews can be seen. Prints its URL on the first line.
import { startFakeComfyUi } from '../apps/api/test/fakes/comfyui-server.ts';

const fake = await startFakeComfyUi({ stepDelayMs: 120, previewEvery: 1 });
console.log(fake.url);
process.on('SIGTERM', () => void fake.close().then(() => process.exit(0)));
