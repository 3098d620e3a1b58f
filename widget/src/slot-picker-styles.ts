// SPDX-License-Identifier: MIT
// The picker's styles, adopted into the element's shadow root with the picker (a constructed
// stylesheet, like the element's own: no inline <style>, nothing for a CSP's style-src). Narrow
// screens first: days and times wrap, fields take the full width, nothing scrolls sideways.

let sheet: CSSStyleSheet | undefined;

export function pickerStyles(): CSSStyleSheet {
  if (sheet) return sheet;
  sheet = new CSSStyleSheet();
  sheet.replaceSync(`
    .zone, .week { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5em; margin: 0.5em 0; }
    .week button { margin: 0; }
    select, input, textarea { font: inherit; max-width: 100%; box-sizing: border-box; }
    [role=tablist] { display: flex; flex-wrap: wrap; gap: 0.4em; margin: 0.75em 0; }
    [role=tab], [role=option] {
      margin: 0;
      padding: 0.5em 0.6em;
      border: 1px solid var(--p);
      border-radius: var(--baw-radius, 6px);
      background: none;
      color: inherit;
      cursor: pointer;
      text-align: center;
    }
    [role=tab][aria-selected=true], [role=option][aria-selected=true] {
      background: var(--p);
      color: var(--baw-color-on-primary, #fff);
    }
    [role=tab]:focus-visible, [role=option]:focus-visible { outline: 2px solid var(--p); outline-offset: 2px; }
    [role=listbox] {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(6em, 1fr));
      gap: 0.4em;
      margin: 0.75em 0;
    }
    [part~=field] { margin: 0.75em 0; border: 0; padding: 0; min-width: 0; }
    [part~=field] > label, legend { display: block; margin-bottom: 0.25em; padding: 0; }
    [part~=field] > input, textarea { display: block; width: 100%; padding: 0.4em; }
    .choice { display: block; margin: 0.25em 0; }
    .err { color: var(--baw-color-error, #b00020); margin: 0.25em 0; }
    [part~=chosen] { overflow-wrap: anywhere; }
  `);
  return sheet;
}
