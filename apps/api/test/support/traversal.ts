/**
 * Requests under the file routes that must never answer anything but a refusal: names the store did not make,
 * traversal in every spelling (encoded, double-encoded, backslash), a NUL, the other
 * bucket's extension, a stored name with more after it. `filename` is a stored image's name. files.test.ts asks
 * ImageFlow itself; nginx-front.test.ts asks through the shipped nginx front. The data folder holds `secret.png`
 * and `imageflow.db` beside `images/`.
 */
export function fileTraversalAttempts(filename: string): string[] {
  return [
    '/images/secret.png',
    '/images/..%2Fsecret.png',
    '/images/%2e%2e%2fsecret.png',
    '/images/..%5Csecret.png',
    '/images/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/images/..%252Fsecret.png',
    `/images/${filename}%00.png`,
    `/images/${filename.replace('.png', '.webp')}`,
    `/thumbs/${filename}`,
    `/images/${filename}/`,
    `/images/${filename}.png`,
    '/images/.tmp-123',
    '/images/imageflow.db',
    '/images/../imageflow.db',
    '/images/../secret.png',
    '/thumbs/..%2Fimageflow.db',
  ];
}
