// @vitest-environment jsdom
import { expect, it } from 'vitest';
import { applyFrameStyles } from './preview-frame.ts';

it('puts style attributes back through element.style (the sheets are checked in Chromium: tests/e2e/library-wizard.spec.ts)', () => {
  const frame = document.createElement('iframe');
  document.body.append(frame);
  frame.contentDocument!.body.innerHTML = '<p id="p" data-quire-style="color: rgb(1, 2, 3); margin-top: 4px">x</p><p id="q">y</p>';
  applyFrameStyles(frame, ['p { color: red }']);
  const p = frame.contentDocument!.getElementById('p')!;
  expect(p.style.color).toBe('rgb(1, 2, 3)');
  expect(p.style.marginTop).toBe('4px');
  expect(frame.contentDocument!.getElementById('q')!.getAttribute('style')).toBeNull();
  frame.remove();
});
