import { describe, expect, it } from 'vitest';
import { IMAGE_MEDIA_TYPES, IMAGE_TYPE_NAMES, isDataImageUri } from './media-types.ts';

describe('isDataImageUri', () => {
  it('accepts every embedded image type, base64 or not, in any case', () => {
    for (const type of IMAGE_MEDIA_TYPES) {
      expect(isDataImageUri(`data:${type};base64,AAAA`)).toBe(true);
      expect(isDataImageUri(`data:${type},%3Csvg%3E`)).toBe(true);
    }
    expect(isDataImageUri('DATA:IMAGE/PNG;base64,AAAA')).toBe(true);
  });

  it('refuses other data URIs, look-alikes and other schemes', () => {
    for (const url of [
      'data:text/html,<script>alert(1)</script>',
      'data:image/svg,AAAA', // not a real type: the "+xml" is part of it
      'data:image/pngx;base64,AAAA',
      'data:image/tiff;base64,AAAA',
      'data:application/octet-stream;base64,AAAA',
      ' data:image/png;base64,AAAA', // callers trim; an untrimmed value is not trusted
      'javascript:alert(1)//data:image/png;',
      'https://example.com/data:image/png;',
    ]) {
      expect(isDataImageUri(url), url).toBe(false);
    }
  });

  it('names the types in words for messages', () => {
    expect(IMAGE_TYPE_NAMES).toBe('png, jpeg, gif, webp, avif, bmp or svg');
  });
});
