import { describe, expect, it } from 'vitest';
import { Slugger, slugify } from './slug.ts';

describe('slugify', () => {
  it.each([
    ['System Design Primer', 'system-design-primer'],
    ['Step 1: Review the scalability video lecture', 'step-1-review-the-scalability-video-lecture'],
    ['Tables & alignment', 'tables--alignment'],
    ["What's `new`? (2024)", 'whats-new-2024'],
    ['snake_case and kebab-case', 'snake_case-and-kebab-case'],
    ['Ünïcödé Ελληνικά', 'ünïcödé-ελληνικά'],
    ['系统设计主题：从这里开始', '系统设计主题从这里开始'],
    ['Emoji 🚀 rocket', 'emoji--rocket'],
  ])('%s → %s', (text, slug) => {
    expect(slugify(text)).toBe(slug);
  });
});

describe('Slugger', () => {
  it('numbers duplicates like github-slugger', () => {
    const s = new Slugger();
    expect(['foo', 'foo', 'foo-1', 'Foo', ''].map((t) => s.slug(t))).toEqual(['foo', 'foo-1', 'foo-1-1', 'foo-2', 'section']);
  });

  it('reserve keeps a free id and renames a taken one', () => {
    const s = new Slugger();
    expect(s.reserve('intro')).toBe('intro');
    expect(s.slug('Intro')).toBe('intro-1');
    expect(s.reserve('intro')).toBe('intro-2');
  });
});
