import { thumbnailFilename } from '../lib/filenames.ts';

/**
 * The addresses answers give for stored files and share links: absolute under the public base URL when
 * one is configured (the API's own public address, a CDN in front of it, or a CDN in front of the
 * bucket — anything under which `images/…` and `thumbs/…` are found); else absolute under the origin of
 * the request being answered (`origin`). Relative (`/images/…`) only where there is neither: work done
 * outside any request, or a request whose Host cannot be named in a URL.
 */
export class PublicUrls {
  private readonly base: string | null;

  /**
   * `base`: an absolute http(s) URL, or null. `origin`: the origin of the request being answered now,
   * or null (none: outside any request).
   */
  constructor(
    base: string | null,
    private readonly origin: () => string | null = () => null,
  ) {
    this.base = base === null ? null : base.replace(/\/+$/, '');
  }

  /** What every URL made here starts with, now: the base URL, the request's origin, or nothing. */
  prefix(): string {
    return this.base ?? this.origin() ?? '';
  }

  /**
   * These URLs as they are for the request being answered now, kept for what answers it later than its
   * handler: the events of an event stream, a job waited for. Its origin is read once, here.
   */
  forThisRequest(): PublicUrls {
    const origin = this.origin();
    return new PublicUrls(this.base, () => origin);
  }

  /** A URL made without a request (relative, by a worker), made absolute as these URLs are. */
  resolve(url: string): string {
    return url.startsWith('/') && !url.startsWith('//') ? `${this.prefix()}${url}` : url;
  }

  image(filename: string): string {
    return `${this.prefix()}/images/${filename}`;
  }

  /** A share link's page. */
  share(key: string): string {
    return `${this.prefix()}/s/${key}`;
  }

  /** A file reached through a share link: checked against the link on every request. */
  sharedFile(key: string, bucket: 'images' | 'thumbs', imageFilename: string): string {
    return `${this.prefix()}/s/${key}/${bucket}/${bucket === 'images' ? imageFilename : thumbnailFilename(imageFilename)}`;
  }

  /** An upload's file as it came. */
  original(originalFilename: string): string {
    return `${this.prefix()}/originals/${originalFilename}`;
  }

  thumbnail(imageFilename: string): string {
    return `${this.prefix()}/thumbs/${thumbnailFilename(imageFilename)}`;
  }
}
