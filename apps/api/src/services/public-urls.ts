import { thumbnailFilename } from '../lib/filenames.ts';

/**
 * The addresses responses give for stored files. Relative (`/images/…`, served by the API from
 * any store) unless a public base URL is configured: the API's own public address, a CDN in
 * front of it, or a CDN in front of the bucket — anything under which `images/…` and `thumbs/…`
 * are found.
 */
export class PublicUrls {
  private readonly base: string;

  /** `base`: an absolute http(s) URL, or null for URLs relative to the API. */
  constructor(base: string | null) {
    this.base = base === null ? '' : base.replace(/\/+$/, '');
  }

  image(filename: string): string {
    return `${this.base}/images/${filename}`;
  }

  /** A share link's page. */
  share(key: string): string {
    return `${this.base}/s/${key}`;
  }

  /** A file reached through a share link: checked against the link on every request. */
  sharedFile(key: string, bucket: 'images' | 'thumbs', imageFilename: string): string {
    return `${this.base}/s/${key}/${bucket}/${bucket === 'images' ? imageFilename : thumbnailFilename(imageFilename)}`;
  }

  /** An upload's file as it came. */
  original(originalFilename: string): string {
    return `${this.base}/originals/${originalFilename}`;
  }

  thumbnail(imageFilename: string): string {
    return `${this.base}/thumbs/${thumbnailFilename(imageFilename)}`;
  }
}
