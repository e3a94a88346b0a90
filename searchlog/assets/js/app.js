// searchlog front-end: GOV.UK Frontend components plus small progressive enhancements.
// Loaded with <script type="module">; without JavaScript every question stays visible
// and the server validates everything.
import { initAll } from "./govuk-frontend.min.js";

initAll();

// ---------------------------------------------------------------------------
// Conditional questions
//
// <div data-show-if-name="consent_status"
//      data-show-if-values="refused not_sought_emergency">   shown while a control named
//                                                             consent_status has one of
//                                                             those values checked/selected
// <div data-show-if-checked="is_emergency">                   shown while a control named
//                                                             is_emergency is checked with
//                                                             a "yes" value
// data-show-if-values is optional for both; without it, any checked/selected value
// other than "", "False" or "false" shows the element.
// ---------------------------------------------------------------------------
const FALSY_VALUES = ["", "false", "False"];

function controllingName(element) {
  return element.getAttribute("data-show-if-name") || element.getAttribute("data-show-if-checked");
}

function wantedValues(element) {
  const raw = element.getAttribute("data-show-if-values");
  if (raw === null || raw.trim() === "") {
    return null;
  }
  return raw.trim().split(/\s+/);
}

// The values currently chosen in the controls with this name (within the same form
// when the conditional element sits in a form).
function currentValues(name, scope) {
  const values = [];
  const controls = scope.querySelectorAll(
    `input[name="${CSS.escape(name)}"], select[name="${CSS.escape(name)}"]`,
  );
  controls.forEach((control) => {
    if (control instanceof HTMLSelectElement) {
      Array.from(control.selectedOptions).forEach((option) => values.push(option.value));
    } else if (control.type === "radio" || control.type === "checkbox") {
      if (control.checked) {
        values.push(control.value);
      }
    }
  });
  return values;
}

function shouldShow(element) {
  // Never hide a question the server has just marked with an error: the error
  // summary links to it.
  if (element.querySelector(".govuk-error-message")) {
    return true;
  }
  const name = controllingName(element);
  const scope = element.closest("form") || document;
  const values = currentValues(name, scope);
  const wanted = wantedValues(element);
  if (wanted) {
    return values.some((value) => wanted.includes(value));
  }
  return values.some((value) => !FALSY_VALUES.includes(value));
}

function syncConditionals(conditionals) {
  conditionals.forEach((element) => {
    const show = shouldShow(element);
    element.hidden = !show;
  });
}

function initConditionals() {
  const conditionals = Array.from(
    document.querySelectorAll("[data-show-if-name], [data-show-if-checked]"),
  ).filter((element) => controllingName(element));
  if (!conditionals.length) {
    return;
  }
  const names = new Set(conditionals.map(controllingName));
  const sync = () => syncConditionals(conditionals);

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target instanceof HTMLElement && names.has(target.getAttribute("name"))) {
      sync();
    }
  });
  // Browsers restore form state on back/forward navigation: show what matches it.
  window.addEventListener("pageshow", sync);
  sync();
}

initConditionals();
