import { describeError } from './app.js';
import { h } from './dom.js';
import { t } from './i18n.js';

/**
 * The portal's form controls, tables and dialogs, so every page labels, describes and
 * reports errors the same way: each control has a <label>, a hint and an error tied to it
 * with aria-describedby, and aria-invalid when the API named it in a 400.
 */

type Attributes = Record<string, string | number | boolean | null | undefined>;

const describedBy = (...ids: (string | null)[]) => ids.filter((id): id is string => id !== null).join(' ') || null;

export interface FieldOptions {
  id: string;
  label: string;
  hint?: string | null;
  error?: string | null | undefined;
}

function fieldParts({ id, hint, error }: FieldOptions) {
  return {
    aria: { 'aria-invalid': error ? 'true' : null, 'aria-describedby': describedBy(hint ? `${id}-hint` : null, error ? `${id}-error` : null) },
    hintNode: hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    errorNode: error ? h('p', { class: 'field-error', id: `${id}-error` }, error) : null,
  };
}

/** A labelled text input (or textarea with `multiline`). `oninput` gets the typed value. */
export function textField(options: FieldOptions & { value: string; oninput: (value: string) => void; type?: string; multiline?: boolean; attributes?: Attributes }): HTMLElement {
  const { aria, hintNode, errorNode } = fieldParts(options);
  const common = {
    id: options.id,
    name: options.id,
    ...options.attributes,
    ...aria,
    value: options.value,
    oninput: (event: Event) => options.oninput((event.target as HTMLInputElement | HTMLTextAreaElement).value),
  };
  const control = options.multiline ? h('textarea', common) : h('input', { type: options.type ?? 'text', ...common });
  return h('div', { class: 'field' }, h('label', { for: options.id }, options.label), hintNode, control, errorNode);
}

/** A checkbox with its label to the right. */
export function checkField(options: FieldOptions & { checked: boolean; onchange: (checked: boolean) => void; disabled?: boolean }): HTMLElement {
  const { aria, hintNode, errorNode } = fieldParts(options);
  return h(
    'div',
    { class: 'check' },
    h('input', {
      type: 'checkbox',
      id: options.id,
      name: options.id,
      checked: options.checked,
      disabled: options.disabled ?? false,
      ...aria,
      onchange: (event: Event) => options.onchange((event.target as HTMLInputElement).checked),
    }),
    h('label', { for: options.id }, options.label),
    hintNode,
    errorNode,
  );
}

export interface Choice {
  value: string;
  text: string;
  lang?: string;
}

/** A labelled select. */
export function selectField(options: FieldOptions & { value: string; choices: Choice[]; onchange: (value: string) => void; attributes?: Attributes }): HTMLElement {
  const { aria, hintNode, errorNode } = fieldParts(options);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: options.id }, options.label),
    hintNode,
    h(
      'select',
      { id: options.id, name: options.id, ...options.attributes, ...aria, onchange: (event: Event) => options.onchange((event.target as HTMLSelectElement).value) },
      ...options.choices.map((choice) => h('option', { value: choice.value, lang: choice.lang, selected: choice.value === options.value }, choice.text)),
    ),
    errorNode,
  );
}

/** A button that shows a spinner and its busy text while `busy`, and cannot be pressed twice. */
export function busyButton(options: { id: string; text: string; busyText?: string; busy: boolean; type?: 'button' | 'submit'; variant?: 'secondary' | 'danger'; onclick?: () => void; attributes?: Attributes }): HTMLButtonElement {
  const classes = [options.variant, options.busy ? 'busy' : null].filter(Boolean).join(' ');
  return h(
    'button',
    {
      type: options.type ?? 'button',
      id: options.id,
      class: classes || null,
      disabled: options.busy,
      'aria-busy': options.busy ? 'true' : null,
      ...options.attributes,
      ...(options.onclick ? { onclick: options.onclick } : {}),
    },
    options.busy ? (options.busyText ?? t('saving')) : options.text,
  );
}

/**
 * What a page shows while its data loads, or when it could not be loaded: what stays on top
 * (the heading, a picker), then "Loading…" or the error. Null once there is data to show.
 */
export function loadingOrError(top: (HTMLElement | null)[], status: { loading: boolean; error: string | null; ready?: boolean }): HTMLElement | null {
  if (status.loading) return h('section', { 'aria-busy': 'true' }, ...top, h('p', { class: 'loading' }, t('loading')));
  if (status.error || status.ready === false) return h('section', {}, ...top, alertBox(status.error));
  return null;
}

/** An error box that screen readers announce. */
export function alertBox(text: string | null | undefined, id?: string): HTMLElement | null {
  return text ? h('p', { class: 'alert', role: 'alert', id }, text) : null;
}

export interface Column<Row> {
  /** The sort key sent to the API; columns without one are not sortable. */
  sortKey?: string;
  header: string;
  cell: (row: Row) => Node | string;
  /** Right-aligned figures (amounts, durations). */
  numeric?: boolean;
}

export interface SortState {
  key: string;
  direction: 'asc' | 'desc';
}

/**
 * A table whose sortable headers are buttons (keyboard-operable, aria-sort on the column);
 * on a narrow screen it scrolls sideways inside its own box.
 */
export function dataTable<Row>(options: { id: string; caption: string; columns: Column<Row>[]; rows: Row[]; empty: string; sort?: SortState; onSort?: (sort: SortState) => void; rowId?: (row: Row) => string }): HTMLElement {
  const { sort, onSort } = options;
  const header = h(
    'tr',
    {},
    ...options.columns.map((column) => {
      const sorted = sort && column.sortKey === sort.key ? sort.direction : null;
      const ariaSort = sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : column.sortKey ? 'none' : null;
      const content =
        column.sortKey && onSort
          ? h(
              'button',
              {
                type: 'button',
                class: 'sort',
                id: `${options.id}-sort-${column.sortKey}`,
                onclick: () => onSort({ key: column.sortKey as string, direction: sorted === 'asc' ? 'desc' : 'asc' }),
              },
              column.header,
              h('span', { 'aria-hidden': 'true' }, sorted === 'asc' ? ' ▲' : sorted === 'desc' ? ' ▼' : ' ↕'),
            )
          : column.header;
      return h('th', { scope: 'col', 'aria-sort': ariaSort, class: column.numeric ? 'num' : null }, content);
    }),
  );
  const body =
    options.rows.length === 0
      ? h('tr', {}, h('td', { colspan: options.columns.length, class: 'empty' }, options.empty))
      : null;
  return h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-labelledby': `${options.id}-caption`, tabindex: '0' },
    h(
      'table',
      { id: options.id, class: 'data' },
      h('caption', { id: `${options.id}-caption` }, options.caption),
      h('thead', {}, header),
      h(
        'tbody',
        {},
        body,
        ...options.rows.map((row) =>
          h('tr', { 'data-id': options.rowId ? options.rowId(row) : null }, ...options.columns.map((column) => h('td', { class: column.numeric ? 'num' : null, 'data-label': column.header }, column.cell(row)))),
        ),
      ),
    ),
  );
}

/** "Page 2 of 5" with previous and next buttons; `total` rows in pages of `pageSize`. */
export function pager(options: { id: string; page: number; pageSize: number; total: number; onPage: (page: number) => void }): HTMLElement | null {
  const pages = Math.max(1, Math.ceil(options.total / options.pageSize));
  if (pages <= 1) return null;
  return h(
    'nav',
    { class: 'pager', id: options.id, 'aria-label': t('pagesLabel') },
    h('button', { type: 'button', class: 'secondary', id: `${options.id}-previous`, disabled: options.page <= 1, onclick: () => options.onPage(options.page - 1) }, '← ', t('previousPage')),
    h('span', { 'aria-live': 'polite' }, t('pageOf', { page: options.page, pages })),
    h('button', { type: 'button', class: 'secondary', id: `${options.id}-next`, disabled: options.page >= pages, onclick: () => options.onPage(options.page + 1) }, t('nextPage'), ' →'),
  );
}

/**
 * A modal dialog (the browser's own <dialog>: focus stays inside, Escape closes it). The
 * content is drawn by `render` and can be drawn again with the returned `redraw`; focus goes
 * back to the control that opened it when it closes.
 */
export function openDialog(options: { id: string; title: string; render: () => HTMLElement; onClose?: () => void }): { redraw: () => void; close: () => void } {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  document.getElementById(options.id)?.remove();
  const body = h('div', { class: 'dialog-body' });
  const dialog = h(
    'dialog',
    { id: options.id, class: 'dialog', 'aria-labelledby': `${options.id}-title` },
    h(
      'div',
      { class: 'dialog-head' },
      h('h2', { id: `${options.id}-title` }, options.title),
      h('button', { type: 'button', class: 'secondary close', id: `${options.id}-close`, 'aria-label': t('closeDialog'), onclick: () => close() }, '×'),
    ),
    body,
  );
  const redraw = () => {
    const focused = document.activeElement instanceof HTMLElement && dialog.contains(document.activeElement) ? document.activeElement.id : null;
    body.replaceChildren(options.render());
    if (focused) document.getElementById(focused)?.focus();
  };
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    if (dialog.open) dialog.close();
    dialog.remove();
    options.onClose?.();
    if (opener && document.contains(opener)) opener.focus();
    else if (opener?.id) document.getElementById(opener.id)?.focus();
  };
  dialog.addEventListener('close', close);
  document.body.appendChild(dialog);
  redraw();
  dialog.showModal();
  return { redraw, close };
}

export interface ConfirmDialogOptions {
  /** The dialog's id (its title is `${id}-title`). */
  id: string;
  title: string;
  /** What the action does, as a paragraph (or the caller's own node); none when the title says it all. */
  message?: string | Node | null;
  /** The danger button, e.g. "Delete", and what it says while the action runs. */
  confirmText: string;
  busyText: string;
  cancelText: string;
  /** Ids of the confirm and cancel buttons and of the error box; `${id}-confirm`, `${id}-cancel` and `${id}-error` unless given. */
  confirmId?: string;
  cancelId?: string;
  errorId?: string;
  /** Runs on confirming; the dialog closes when it resolves, and shows why when it rejects. */
  action: () => Promise<unknown>;
  /** After the dialog closed on success (announce it, load the list again, move focus). */
  done?: () => void | Promise<void>;
  /** The text for a rejection; describeError unless given. */
  describe?: (error: unknown) => string;
  /** The caller's handling of a session end: true when `error` ended it, and the dialog just closes. */
  endsSession: (error: unknown) => boolean;
}

/**
 * "Are you sure?" before removing something: the message, a danger button that runs `action`
 * (busy while it runs, so it cannot run twice) and Cancel, which has the focus at first.
 */
export function confirmDialog(options: ConfirmDialogOptions): { close: () => void } {
  const confirmId = options.confirmId ?? `${options.id}-confirm`;
  const cancelId = options.cancelId ?? `${options.id}-cancel`;
  let busy = false;
  let error: string | null = null;
  const confirm = () => {
    if (busy) return;
    busy = true;
    error = null;
    dialog.redraw();
    options.action().then(
      () => {
        dialog.close();
        void options.done?.();
      },
      (failure: unknown) => {
        if (options.endsSession(failure)) {
          dialog.close();
          return;
        }
        busy = false;
        error = (options.describe ?? describeError)(failure);
        dialog.redraw();
        document.getElementById(confirmId)?.focus();
      },
    );
  };
  const dialog = openDialog({
    id: options.id,
    title: options.title,
    render: () =>
      h(
        'div',
        {},
        typeof options.message === 'string' ? h('p', {}, options.message) : options.message,
        alertBox(error, options.errorId ?? `${options.id}-error`),
        h(
          'div',
          { class: 'actions' },
          busyButton({ id: confirmId, text: options.confirmText, busyText: options.busyText, busy, variant: 'danger', onclick: confirm }),
          h('button', { type: 'button', class: 'secondary', id: cancelId, onclick: () => dialog.close() }, options.cancelText),
        ),
      ),
  });
  document.getElementById(cancelId)?.focus();
  return { close: dialog.close };
}
