// SPDX-License-Identifier: MIT
import { unsafeCSS } from "lit";

/*
 * Deliberately small: colours and fonts inherit from the host; style anything else through ::part.
 * A constant string through unsafeCSS (rather than the css tag) keeps the tag's code out of the bundle.
 */
export const styles = unsafeCSS(`
  :host {
    display: block;
    font: var(--baw-font, inherit);
    --p: var(--baw-color-primary, #2f5bea);
  }
  :host([hidden]) {
    display: none;
  }
  button,
  .btn {
    font: inherit;
    cursor: pointer;
    border: 0;
    border-radius: var(--baw-radius, 6px);
    padding: 0.5em 1em;
    margin: 0 0.5em 0.5em 0;
    background: var(--p);
    color: var(--baw-color-on-primary, #fff);
    text-decoration: none;
  }
  a {
    color: var(--p);
  }
  h2 {
    outline: 0;
  }
  ul {
    padding: 0;
    list-style: none;
  }
  iframe {
    display: block;
    width: 100%;
    border: 0;
  }
  .frame {
    position: relative;
  }
  .frame progress {
    position: absolute;
    inset: 0 0 auto;
    margin: 0;
  }
  .pending {
    visibility: hidden;
  }
  button:disabled {
    cursor: default;
    opacity: 0.6;
  }
  progress {
    display: block;
    margin: 1em 0;
    accent-color: var(--p);
  }
  dialog {
    width: min(90vw, 1000px);
    border: 0;
    border-radius: var(--baw-radius, 6px);
  }
  .x {
    float: right;
    background: none;
    color: inherit;
  }
`);
