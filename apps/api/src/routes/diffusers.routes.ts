import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DiffusersImg2Img, DiffusersResponse, DiffusersTxt2Img, ErrorBody, GenerationRequest, type ModelName } from '@imageflow/shared';
import type { Services } from '../services/container.ts';
import { clientKey } from '../http/client.ts';
import { ValidationError } from '../errors.ts';
import { describeZodIssues } from '../http/error-handler.ts';
import { describeIssue } from '../http/validation.ts';
import { BASE64_IMAGE_BODY_LIMIT, clientGoneSignal } from '../http/uploads.ts';
import { jobFailure } from './job-failure.ts';

type Txt2Img = z.infer<typeof DiffusersTxt2Img>;
type Img2Img = z.infer<typeof DiffusersImg2Img>;

/** Our recipe field → the diffusers-style name these routes take, for error messages. */
const FIELD_NAMES: Record<string, string> = {
  'spec.width': 'width',
  'spec.height': 'height',
  'spec.steps': 'num_inference_steps',
  'spec.guidance': 'guidance_scale',
  'spec.seed': 'seed',
  'spec.batch_size': 'num_images',
  'spec.strength': 'strength',
};

function toGenerationRequest(body: Txt2Img & Partial<Img2Img>, model: ModelName): GenerationRequest {
  const spec = Object.fromEntries(
    Object.entries({
      width: body.width,
      height: body.height,
      steps: body.num_inference_steps,
      guidance: body.guidance_scale,
      seed: body.seed ?? undefined,
      batch_size: body.num_images,
      strength: body.strength,
    }).filter(([, v]) => v !== undefined),
  );
  const parsed = GenerationRequest.safeParse(
    { prompt: body.prompt, negative_prompt: body.negative_prompt, model, spec },
    { error: (issue) => describeIssue(issue, FIELD_NAMES[(issue.path ?? []).join('.')]) },
  );
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => {
      const name = FIELD_NAMES[i.path.join('.')];
      return name ? { ...i, path: [name] } : i;
    });
    throw new ValidationError(describeZodIssues(issues));
  }
  return parsed.data;
}

function decodeImageField(image: string): Buffer {
  const base64 = image.replace(/^data:[\w/+.-]+;base64,/, '');
  if (!/^[A-Za-z0-9+/=\s_-]+$/.test(base64)) {
    throw new ValidationError('image must be base64 or a data URL like "data:image/png;base64,...".');
  }
  const data = Buffer.from(base64, 'base64');
  if (data.length === 0) throw new ValidationError('image is empty.');
  return data;
}

/** The per-model routes of the original API, kept for scripts written against it. */
export function diffusersRoutes(app: FastifyInstance, { generations, images }: Services, uploadGate: onRequestHookHandler, generationLimit: object): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  const run = async (request: GenerationRequest, req: FastifyRequest) => {
    const queued = await generations.submit(request, clientKey(req), req.actor);
    const job = await generations.waitUntilFinished(queued.id);
    if (job.status !== 'succeeded') throw jobFailure(job);
    const withData = await images.withBase64(job.images);
    return { images: withData.map((n) => ({ id: n.id, base64: n.base64!, url: n.url!, filename: n.filename })) };
  };

  const response = { 200: DiffusersResponse, 400: ErrorBody, 404: ErrorBody, 502: ErrorBody };
  for (const family of ['sdxl', 'flux'] as const) {
    const modelOf = (body: Txt2Img): ModelName => {
      if (family === 'sdxl') {
        if (body.model) throw new ValidationError(`model "${body.model}" is a FLUX model; use /api/flux/... for it.`);
        return 'sdxl';
      }
      return body.model ?? 'flux-dev';
    };

    r.post(`/api/${family}/txt2img`, {
      config: generationLimit,
      schema: { tags: ['diffusers-style'], summary: `${family.toUpperCase()} text-to-image, diffusers-style fields`, body: DiffusersTxt2Img, response },
      handler: (req) => run(toGenerationRequest(req.body, modelOf(req.body)), req),
    });

    r.post(`/api/${family}/img2img`, {
      config: generationLimit,
      bodyLimit: BASE64_IMAGE_BODY_LIMIT,
      onRequest: uploadGate,
      schema: {
        tags: ['diffusers-style'],
        summary: `${family.toUpperCase()} image-to-image from base64 \`image\` or a stored \`parent_id\``,
        body: DiffusersImg2Img,
        response,
      },
      handler: async (req, reply) => {
        const { image, parent_id } = req.body;
        if (image !== undefined && parent_id !== undefined) throw new ValidationError('Send either image or parent_id, not both.');
        if (image === undefined && parent_id === undefined) {
          throw new ValidationError('img2img needs an init image: image (base64 or a data URL) or parent_id (a stored image).');
        }
        // Validated before anything is stored.
        const request = toGenerationRequest(req.body, modelOf(req.body));
        // A sent image becomes an uploaded root, so the result has a parent in the lineage.
        const parentId = parent_id ?? (await images.upload(decodeImageField(image!), 'img2img-init', req.actor, clientGoneSignal(reply))).node.id;
        return run({ ...request, parent_id: parentId, action_type: 'img2img' }, req);
      },
    });
  }
}
