/**
 * GitHub-style heading slugs (the algorithm of github-slugger, which GitHub uses for README
 * anchors), so that a document's own "#some-heading" links keep working after export.
 *
 * @example
 * const s = new Slugger();
 * s.slug('Hello, World!'); // 'hello-world'
 * s.slug('Hello World');   // 'hello-world-1'
 */

// Keep letters, marks, numbers, connector punctuation ('_'), '-' and ' ' of any script.
const STRIP = /[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu;

/** The slug of one heading text, without de-duplication. */
export function slugify(text: string): string {
  return text.toLowerCase().replace(STRIP, '').replace(/ /g, '-');
}

export class Slugger {
  #occurrences = new Map<string, number>();

  /** A slug not returned before by this slugger: duplicates get -1, -2, … */
  slug(text: string): string {
    return this.reserve(slugify(text) || 'section');
  }

  /** Takes an id the document already chose; returns it, or a unique variant when taken. */
  reserve(id: string): string {
    let result = id;
    while (this.#occurrences.has(result)) {
      const count = this.#occurrences.get(id)! + 1;
      this.#occurrences.set(id, count);
      result = `${id}-${count}`;
    }
    this.#occurrences.set(result, 0);
    return result;
  }
}
