import { announce } from '../announce.js';
import { ApiError } from '../api.js';
import { WEEKDAYS, timeIntervalsApi, type ExceptionDay, type TimeInterval, type TimeIntervalChange, type Weekday } from '../api/time-intervals.js';
import { describeError, manager, type Page, type PortalContext, type PortalRoute } from '../app.js';
import { h } from '../dom.js';
import { currentLanguage, t } from '../i18n.js';
import { defineTexts } from '../texts.js';
import { alertBox, busyButton, confirmDialog, selectField, textField } from '../ui.js';
import './time-intervals.css';

const tx = defineTexts(
  {
    navTimeIntervals: 'Time intervals',
    title: 'Time intervals',
    intro: 'Weekly hours in a time zone, with dates that differ (holidays). An extension owner picks one as the hours their CallNow page takes requests in. Those of the accounts above yours are shown too: they can be used here and changed only there.',
    newInterval: 'New time interval',
    none: 'There are no time intervals yet.',
    inheritedFrom: 'From {account}: read-only here',
    own: 'Of {account}',
    timezone: 'Time zone',
    closedAllWeek: 'Never open, except on the dates below.',
    closed: 'Closed',
    usedBy: 'Used by: {list}',
    edit: 'Edit',
    editLabel: 'Edit {name}',
    remove: 'Delete',
    removeLabel: 'Delete {name}',
    editorNew: 'New time interval',
    editorEdit: 'Edit "{name}"',
    name: 'Name',
    nameHint: 'For example Office hours. "Anytime" is built in.',
    timezoneHint: 'The hours below are local times there, summer time included.',
    weeklyLegend: 'Weekly hours',
    weeklyHint: 'Add the hours each day is open. A closing time earlier than the opening time runs past midnight.',
    copyMonday: 'Copy Monday to Tuesday–Friday',
    copied: "Monday's hours copied to Tuesday to Friday.",
    from: 'From',
    to: 'To',
    fromLabel: '{day}, hours {n}: from',
    toLabel: '{day}, hours {n}: to',
    addHours: 'Add hours',
    addHoursLabel: 'Add hours on {day}',
    removeHours: 'Remove',
    removeHoursLabel: 'Remove hours {n} on {day}',
    dayClosed: 'Closed',
    exceptionsLegend: 'Dates that differ',
    exceptionsHint: 'On these dates the weekly hours do not apply: the day is closed, or open only in the hours given.',
    noExceptions: 'No dates.',
    date: 'Date',
    dateLabel: 'Date {n}',
    closedDay: 'Closed all day',
    closedLabel: 'Date {n}: closed all day',
    exFromLabel: 'Date {n}: from',
    exToLabel: 'Date {n}: to',
    removeDate: 'Remove',
    removeDateLabel: 'Remove date {n}',
    addDate: 'Add a date',
    save: 'Save the time interval',
    saving: 'Saving…',
    cancel: 'Cancel',
    saved: 'Time interval {name} saved.',
    notSaved: 'Not saved: {message}',
    required: 'Enter a name.',
    removeTitle: 'Delete the time interval "{name}"?',
    removeText: 'Extensions cannot use it any more. This cannot be undone.',
    removing: 'Deleting…',
    removed: 'Time interval {name} deleted.',
  },
  {
    de: {
      navTimeIntervals: 'Zeitpläne',
      title: 'Zeitpläne',
      intro: 'Wöchentliche Zeiten in einer Zeitzone, mit abweichenden Tagen (Feiertage). Ein Inhaber wählt einen als die Zeiten, in denen seine CallNow-Seite Anfragen annimmt. Die der Konten über Ihrem werden auch gezeigt: Sie können hier benutzt und nur dort geändert werden.',
      newInterval: 'Neuer Zeitplan',
      none: 'Es gibt noch keine Zeitpläne.',
      inheritedFrom: 'Von {account}: hier nur lesbar',
      own: 'Von {account}',
      timezone: 'Zeitzone',
      closedAllWeek: 'Nie geöffnet, außer an den Tagen unten.',
      closed: 'Geschlossen',
      usedBy: 'Benutzt von: {list}',
      edit: 'Bearbeiten',
      editLabel: '{name} bearbeiten',
      remove: 'Löschen',
      removeLabel: '{name} löschen',
      editorNew: 'Neuer Zeitplan',
      editorEdit: '„{name}“ bearbeiten',
      name: 'Name',
      nameHint: 'Zum Beispiel Bürozeiten. „Anytime“ (jederzeit) ist eingebaut.',
      timezoneHint: 'Die Zeiten unten sind Ortszeiten dort, Sommerzeit eingeschlossen.',
      weeklyLegend: 'Wöchentliche Zeiten',
      weeklyHint: 'Tragen Sie die Zeiten ein, zu denen jeder Tag geöffnet ist. Eine Endzeit vor der Anfangszeit reicht über Mitternacht.',
      copyMonday: 'Montag auf Dienstag–Freitag kopieren',
      copied: 'Die Zeiten vom Montag wurden auf Dienstag bis Freitag kopiert.',
      from: 'Von',
      to: 'Bis',
      fromLabel: '{day}, Zeiten {n}: von',
      toLabel: '{day}, Zeiten {n}: bis',
      addHours: 'Zeiten hinzufügen',
      addHoursLabel: 'Zeiten am {day} hinzufügen',
      removeHours: 'Entfernen',
      removeHoursLabel: 'Zeiten {n} am {day} entfernen',
      dayClosed: 'Geschlossen',
      exceptionsLegend: 'Abweichende Tage',
      exceptionsHint: 'An diesen Tagen gelten die wöchentlichen Zeiten nicht: Der Tag ist geschlossen oder nur zu den angegebenen Zeiten geöffnet.',
      noExceptions: 'Keine Tage.',
      date: 'Datum',
      dateLabel: 'Datum {n}',
      closedDay: 'Ganztägig geschlossen',
      closedLabel: 'Datum {n}: ganztägig geschlossen',
      exFromLabel: 'Datum {n}: von',
      exToLabel: 'Datum {n}: bis',
      removeDate: 'Entfernen',
      removeDateLabel: 'Datum {n} entfernen',
      addDate: 'Datum hinzufügen',
      save: 'Zeitplan speichern',
      saving: 'Wird gespeichert…',
      cancel: 'Abbrechen',
      saved: 'Zeitplan {name} gespeichert.',
      notSaved: 'Nicht gespeichert: {message}',
      required: 'Geben Sie einen Namen ein.',
      removeTitle: 'Zeitplan „{name}“ löschen?',
      removeText: 'Nebenstellen können ihn dann nicht mehr benutzen. Das kann nicht rückgängig gemacht werden.',
      removing: 'Wird gelöscht…',
      removed: 'Zeitplan {name} gelöscht.',
    },
    fr: {
      navTimeIntervals: 'Plages horaires',
      title: 'Plages horaires',
      intro: "Des horaires hebdomadaires dans un fuseau horaire, avec des dates particulières (jours fériés). Le titulaire d'un poste en choisit une pour les heures où sa page CallNow accepte les demandes. Celles des comptes au-dessus du vôtre sont affichées aussi : on peut les utiliser ici et les modifier seulement là-bas.",
      newInterval: 'Nouvelle plage horaire',
      none: "Il n'y a pas encore de plage horaire.",
      inheritedFrom: 'De {account} : en lecture seule ici',
      own: 'De {account}',
      timezone: 'Fuseau horaire',
      closedAllWeek: 'Jamais ouvert, sauf aux dates ci-dessous.',
      closed: 'Fermé',
      usedBy: 'Utilisée par : {list}',
      edit: 'Modifier',
      editLabel: 'Modifier {name}',
      remove: 'Supprimer',
      removeLabel: 'Supprimer {name}',
      editorNew: 'Nouvelle plage horaire',
      editorEdit: 'Modifier « {name} »',
      name: 'Nom',
      nameHint: 'Par exemple Heures de bureau. « Anytime » (à tout moment) est prédéfini.',
      timezoneHint: "Les heures ci-dessous sont l'heure locale de ce fuseau, heure d'été comprise.",
      weeklyLegend: 'Horaires hebdomadaires',
      weeklyHint: "Ajoutez les heures d'ouverture de chaque jour. Une heure de fin avant l'heure de début passe minuit.",
      copyMonday: 'Copier lundi sur mardi–vendredi',
      copied: 'Les horaires du lundi ont été copiés du mardi au vendredi.',
      from: 'De',
      to: 'À',
      fromLabel: '{day}, horaire {n} : de',
      toLabel: '{day}, horaire {n} : à',
      addHours: 'Ajouter des horaires',
      addHoursLabel: 'Ajouter des horaires le {day}',
      removeHours: 'Retirer',
      removeHoursLabel: "Retirer l'horaire {n} du {day}",
      dayClosed: 'Fermé',
      exceptionsLegend: 'Dates particulières',
      exceptionsHint: "Ces jours-là, les horaires hebdomadaires ne s'appliquent pas : le jour est fermé, ou ouvert seulement aux heures indiquées.",
      noExceptions: 'Aucune date.',
      date: 'Date',
      dateLabel: 'Date {n}',
      closedDay: 'Fermé toute la journée',
      closedLabel: 'Date {n} : fermé toute la journée',
      exFromLabel: 'Date {n} : de',
      exToLabel: 'Date {n} : à',
      removeDate: 'Retirer',
      removeDateLabel: 'Retirer la date {n}',
      addDate: 'Ajouter une date',
      save: 'Enregistrer la plage horaire',
      saving: 'Enregistrement…',
      cancel: 'Annuler',
      saved: 'Plage horaire {name} enregistrée.',
      notSaved: 'Non enregistré : {message}',
      required: 'Saisissez un nom.',
      removeTitle: 'Supprimer la plage horaire « {name} » ?',
      removeText: "Les postes ne pourront plus l'utiliser. C'est irréversible.",
      removing: 'Suppression…',
      removed: 'Plage horaire {name} supprimée.',
    },
    es: {
      navTimeIntervals: 'Horarios',
      title: 'Horarios',
      intro: 'Horas semanales en una zona horaria, con fechas que cambian (festivos). El titular de una extensión elige uno como las horas en que su página CallNow acepta solicitudes. Se muestran también los de las cuentas por encima de la suya: se pueden usar aquí y cambiar solo allí.',
      newInterval: 'Nuevo horario',
      none: 'Todavía no hay horarios.',
      inheritedFrom: 'De {account}: solo lectura aquí',
      own: 'De {account}',
      timezone: 'Zona horaria',
      closedAllWeek: 'Nunca abierto, salvo en las fechas de abajo.',
      closed: 'Cerrado',
      usedBy: 'Lo usan: {list}',
      edit: 'Editar',
      editLabel: 'Editar {name}',
      remove: 'Eliminar',
      removeLabel: 'Eliminar {name}',
      editorNew: 'Nuevo horario',
      editorEdit: 'Editar «{name}»',
      name: 'Nombre',
      nameHint: 'Por ejemplo Horario de oficina. «Anytime» (en cualquier momento) viene incluido.',
      timezoneHint: 'Las horas de abajo son horas locales de allí, con el horario de verano incluido.',
      weeklyLegend: 'Horas semanales',
      weeklyHint: 'Añada las horas en que cada día está abierto. Una hora de cierre anterior a la de apertura pasa de medianoche.',
      copyMonday: 'Copiar el lunes al martes–viernes',
      copied: 'Las horas del lunes se copiaron de martes a viernes.',
      from: 'Desde',
      to: 'Hasta',
      fromLabel: '{day}, horas {n}: desde',
      toLabel: '{day}, horas {n}: hasta',
      addHours: 'Añadir horas',
      addHoursLabel: 'Añadir horas el {day}',
      removeHours: 'Quitar',
      removeHoursLabel: 'Quitar las horas {n} del {day}',
      dayClosed: 'Cerrado',
      exceptionsLegend: 'Fechas distintas',
      exceptionsHint: 'En estas fechas no se aplican las horas semanales: el día está cerrado o abierto solo en las horas indicadas.',
      noExceptions: 'Ninguna fecha.',
      date: 'Fecha',
      dateLabel: 'Fecha {n}',
      closedDay: 'Cerrado todo el día',
      closedLabel: 'Fecha {n}: cerrado todo el día',
      exFromLabel: 'Fecha {n}: desde',
      exToLabel: 'Fecha {n}: hasta',
      removeDate: 'Quitar',
      removeDateLabel: 'Quitar la fecha {n}',
      addDate: 'Añadir una fecha',
      save: 'Guardar el horario',
      saving: 'Guardando…',
      cancel: 'Cancelar',
      saved: 'Horario {name} guardado.',
      notSaved: 'No guardado: {message}',
      required: 'Introduzca un nombre.',
      removeTitle: '¿Eliminar el horario «{name}»?',
      removeText: 'Las extensiones ya no podrán usarlo. No se puede deshacer.',
      removing: 'Eliminando…',
      removed: 'Horario {name} eliminado.',
    },
  },
);

interface Hours {
  from: string;
  to: string;
}

interface Draft {
  name: string;
  timezone: string;
  days: Record<Weekday, Hours[]>;
  exceptions: ExceptionDay[];
}

/** Weekday names in the portal's language (2024-01-01 was a Monday). */
function dayName(day: Weekday): string {
  const date = new Date(Date.UTC(2024, 0, 1 + WEEKDAYS.indexOf(day), 12));
  return new Intl.DateTimeFormat(currentLanguage(), { weekday: 'long', timeZone: 'UTC' }).format(date);
}

function timeZones(current: string): string[] {
  const supported = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  // Browsers list canonical zones only; UTC and the zone in use are always offered.
  return [...new Set([...supported, 'UTC', current])].filter(Boolean).sort();
}

const emptyDays = (): Record<Weekday, Hours[]> => ({ mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] });

function draftOf(interval: TimeInterval | null): Draft {
  const days = emptyDays();
  for (const slot of interval?.weekly ?? []) for (const day of slot.days) days[day].push({ from: slot.from, to: slot.to });
  return {
    name: interval?.name ?? '',
    timezone: interval?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    days,
    exceptions: (interval?.exceptions ?? []).map((e) => ({ ...e })),
  };
}

/**
 * The draft as the API's weekly list: days with the same hours share one entry. `places` says
 * where each entry's first row is, so an error the API names (weekly[2].from) lands on a row.
 */
function changeOf(draft: Draft): { change: TimeIntervalChange; places: { day: Weekday; row: number }[] } {
  const weekly: TimeIntervalChange['weekly'] = [];
  const places: { day: Weekday; row: number }[] = [];
  for (const day of WEEKDAYS) {
    draft.days[day].forEach((hours, row) => {
      const same = weekly.find((w) => w.from === hours.from && w.to === hours.to && !w.days.includes(day));
      if (same) same.days.push(day);
      else {
        weekly.push({ days: [day], from: hours.from, to: hours.to });
        places.push({ day, row });
      }
    });
  }
  const exceptions = draft.exceptions.map((e) => (e.closed ? { date: e.date, closed: true, from: null, to: null } : { ...e }));
  return { change: { name: draft.name.trim(), timezone: draft.timezone, weekly, exceptions }, places };
}

export function timeIntervalsPage(context: PortalContext): Page {
  const accountId = context.me?.user.accountId ?? 0;
  const state = {
    loading: true,
    error: null as string | null,
    intervals: [] as TimeInterval[],
    /** The interval being edited (null id: a new one), or null when the editor is closed. */
    editing: null as { id: number | null; original: string; draft: Draft } | null,
    errors: new Map<string, string>(),
    formError: null as string | null,
    saving: false,
  };
  let disposed = false;

  const load = async () => {
    state.loading = true;
    state.error = null;
    try {
      state.intervals = await timeIntervalsApi.ofAccount(accountId);
    } catch (error) {
      if (context.endsSession(error)) return;
      state.error = describeError(error);
    }
    state.loading = false;
    if (!disposed) context.refresh();
  };

  const edit = (interval: TimeInterval | null) => {
    state.editing = { id: interval?.id ?? null, original: interval?.name ?? '', draft: draftOf(interval) };
    state.errors = new Map();
    state.formError = null;
    context.refresh();
    document.getElementById('ti-name')?.focus();
  };

  const closeEditor = (focus: string) => {
    state.editing = null;
    context.refresh();
    document.getElementById(focus)?.focus();
  };

  /** The control an API field names: weekly[i].from → that row's input; exceptions[i].to → that date's. */
  const controlOf = (field: string | undefined, places: { day: Weekday; row: number }[]): string | null => {
    if (field === 'name' || field === 'timezone') return `ti-${field}`;
    const weekly = field === undefined ? null : /^weekly\[(\d+)\](?:\.(from|to|days.*))?$/.exec(field);
    if (weekly) {
      const place = places[Number(weekly[1])];
      if (!place) return 'ti-weekly';
      return `ti-${place.day}-${place.row}-${weekly[2] === 'to' ? 'to' : 'from'}`;
    }
    if (field === 'weekly') return 'ti-weekly';
    const exception = field === undefined ? null : /^exceptions\[(\d+)\](?:\.(date|from|to|closed))?$/.exec(field);
    if (exception) return `ti-ex-${exception[1]}-${exception[2] ?? 'date'}`;
    return null;
  };

  const save = async () => {
    const editing = state.editing;
    if (!editing || state.saving) return;
    state.errors = new Map();
    state.formError = null;
    if (editing.draft.name.trim() === '') {
      state.errors.set('ti-name', tx('required'));
      context.refresh();
      document.getElementById('ti-name')?.focus();
      return;
    }
    const { change, places } = changeOf(editing.draft);
    state.saving = true;
    context.refresh();
    try {
      const saved = editing.id === null ? await timeIntervalsApi.create(accountId, change) : await timeIntervalsApi.update(editing.id, change);
      state.saving = false;
      state.editing = null;
      announce(tx('saved', { name: saved.name }));
      await load();
      document.getElementById(`ti-${saved.id}-edit`)?.focus();
      return;
    } catch (error) {
      state.saving = false;
      if (context.endsSession(error)) return;
      const control = error instanceof ApiError ? controlOf(error.field, places) : null;
      if (error instanceof ApiError && control) state.errors.set(control, error.message);
      else state.formError = describeError(error);
      announce(tx('notSaved', { message: error instanceof Error ? error.message : '' }));
      if (disposed) return;
      context.refresh();
      document.getElementById(control ?? 'ti-save')?.focus();
    }
  };

  const confirmRemove = (interval: TimeInterval) =>
    confirmDialog({
      id: 'ti-remove-dialog',
      title: tx('removeTitle', { name: interval.name }),
      message: tx('removeText'),
      confirmText: tx('remove'),
      busyText: tx('removing'),
      cancelText: tx('cancel'),
      confirmId: 'ti-remove-confirm',
      cancelId: 'ti-remove-cancel',
      errorId: 'ti-remove-error',
      action: () => timeIntervalsApi.remove(interval.id),
      done: () => {
        announce(tx('removed', { name: interval.name }));
        void load().then(() => document.getElementById('ti-new')?.focus());
      },
      endsSession: (error) => context.endsSession(error),
    });

  // --- drawing -------------------------------------------------------------------------------

  const errorNode = (id: string) => {
    const message = state.errors.get(id);
    return message ? h('p', { class: 'field-error', id: `${id}-error` }, message) : null;
  };
  const invalid = (id: string) => (state.errors.has(id) ? { 'aria-invalid': 'true', 'aria-describedby': `${id}-error` } : {});

  const timeInput = (id: string, label: string, value: string, oninput: (value: string) => void, disabled = false) =>
    h('input', { type: 'time', id, value, 'aria-label': label, required: !disabled, disabled, ...invalid(id), oninput: (event: Event) => oninput((event.target as HTMLInputElement).value) });

  const dayEditor = (draft: Draft, day: Weekday) => {
    const name = dayName(day);
    const rows = draft.days[day];
    return h(
      'fieldset',
      { class: 'ti-day', id: `ti-day-${day}` },
      h('legend', {}, name),
      rows.length === 0 ? h('p', { class: 'ti-closed' }, tx('dayClosed')) : null,
      ...rows.map((hours, row) =>
        h(
          'div',
          { class: 'ti-row' },
          h('span', { 'aria-hidden': 'true' }, tx('from')),
          timeInput(`ti-${day}-${row}-from`, tx('fromLabel', { day: name, n: row + 1 }), hours.from, (v) => (hours.from = v)),
          h('span', { 'aria-hidden': 'true' }, tx('to')),
          timeInput(`ti-${day}-${row}-to`, tx('toLabel', { day: name, n: row + 1 }), hours.to, (v) => (hours.to = v)),
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              id: `ti-${day}-${row}-remove`,
              'aria-label': tx('removeHoursLabel', { n: row + 1, day: name }),
              onclick: () => {
                rows.splice(row, 1);
                context.refresh();
                document.getElementById(rows.length > 0 ? `ti-${day}-${Math.min(row, rows.length - 1)}-from` : `ti-${day}-add`)?.focus();
              },
            },
            tx('removeHours'),
          ),
          errorNode(`ti-${day}-${row}-from`),
          errorNode(`ti-${day}-${row}-to`),
        ),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary ti-add',
          id: `ti-${day}-add`,
          'aria-label': tx('addHoursLabel', { day: name }),
          onclick: () => {
            const last = rows.at(-1);
            rows.push(last ? { from: last.to, to: last.to } : { from: '09:00', to: '17:00' });
            context.refresh();
            document.getElementById(`ti-${day}-${rows.length - 1}-from`)?.focus();
          },
        },
        '+ ',
        tx('addHours'),
      ),
    );
  };

  const exceptionRow = (draft: Draft, exception: ExceptionDay, index: number) => {
    const n = index + 1;
    const prefix = `ti-ex-${index}`;
    return h(
      'li',
      { class: 'ti-exception' },
      h(
        'div',
        { class: 'ti-row' },
        h('input', { type: 'date', id: `${prefix}-date`, value: exception.date, 'aria-label': tx('dateLabel', { n }), required: true, ...invalid(`${prefix}-date`), oninput: (event: Event) => (exception.date = (event.target as HTMLInputElement).value) }),
        h(
          'span',
          { class: 'check-inline' },
          h('input', {
            type: 'checkbox',
            id: `${prefix}-closed`,
            checked: exception.closed,
            'aria-label': tx('closedLabel', { n }),
            onchange: (event: Event) => {
              exception.closed = (event.target as HTMLInputElement).checked;
              if (!exception.closed && exception.from === null) Object.assign(exception, { from: '09:00', to: '13:00' });
              context.refresh();
            },
          }),
          h('label', { for: `${prefix}-closed` }, tx('closedDay')),
        ),
        exception.closed ? null : timeInput(`${prefix}-from`, tx('exFromLabel', { n }), exception.from ?? '', (v) => (exception.from = v)),
        exception.closed ? null : timeInput(`${prefix}-to`, tx('exToLabel', { n }), exception.to ?? '', (v) => (exception.to = v)),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            id: `${prefix}-remove`,
            'aria-label': tx('removeDateLabel', { n }),
            onclick: () => {
              draft.exceptions.splice(index, 1);
              context.refresh();
              document.getElementById(draft.exceptions.length > 0 ? `ti-ex-${Math.min(index, draft.exceptions.length - 1)}-date` : 'ti-ex-add')?.focus();
            },
          },
          tx('removeDate'),
        ),
      ),
      errorNode(`${prefix}-date`),
      errorNode(`${prefix}-from`),
      errorNode(`${prefix}-to`),
    );
  };

  const editor = (editing: NonNullable<typeof state.editing>) => {
    const draft = editing.draft;
    return h(
      'section',
      { class: 'card ti-editor', 'aria-labelledby': 'ti-editor-title' },
      h('h2', { id: 'ti-editor-title' }, editing.id === null ? tx('editorNew') : tx('editorEdit', { name: editing.original })),
      h(
        'form',
        {
          id: 'ti-form',
          novalidate: true,
          'aria-busy': state.saving ? 'true' : null,
          onsubmit: (event: Event) => {
            event.preventDefault();
            void save();
          },
        },
        textField({ id: 'ti-name', label: tx('name'), hint: tx('nameHint'), error: state.errors.get('ti-name'), value: draft.name, oninput: (v) => (draft.name = v), attributes: { maxlength: 100, autocomplete: 'off', required: true } }),
        selectField({
          id: 'ti-timezone',
          label: tx('timezone'),
          hint: tx('timezoneHint'),
          error: state.errors.get('ti-timezone'),
          value: draft.timezone,
          choices: timeZones(draft.timezone).map((zone) => ({ value: zone, text: zone.replace(/_/g, ' ') })),
          onchange: (v) => (draft.timezone = v),
        }),
        h(
          'fieldset',
          { class: 'ti-weekly', id: 'ti-weekly', tabindex: '-1', 'aria-describedby': 'ti-weekly-hint' },
          h('legend', {}, tx('weeklyLegend')),
          h('p', { class: 'hint', id: 'ti-weekly-hint' }, tx('weeklyHint')),
          errorNode('ti-weekly'),
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              id: 'ti-copy-monday',
              onclick: () => {
                for (const day of ['tue', 'wed', 'thu', 'fri'] as const) draft.days[day] = draft.days.mon.map((hours) => ({ ...hours }));
                context.refresh();
                announce(tx('copied'));
              },
            },
            tx('copyMonday'),
          ),
          h('div', { class: 'ti-days' }, ...WEEKDAYS.map((day) => dayEditor(draft, day))),
        ),
        h(
          'fieldset',
          { class: 'ti-exceptions', 'aria-describedby': 'ti-exceptions-hint' },
          h('legend', {}, tx('exceptionsLegend')),
          h('p', { class: 'hint', id: 'ti-exceptions-hint' }, tx('exceptionsHint')),
          draft.exceptions.length === 0 ? h('p', { class: 'empty' }, tx('noExceptions')) : h('ol', { class: 'ti-exception-list' }, ...draft.exceptions.map((e, i) => exceptionRow(draft, e, i))),
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              id: 'ti-ex-add',
              onclick: () => {
                draft.exceptions.push({ date: new Date().toISOString().slice(0, 10), closed: true, from: null, to: null });
                context.refresh();
                document.getElementById(`ti-ex-${draft.exceptions.length - 1}-date`)?.focus();
              },
            },
            '+ ',
            tx('addDate'),
          ),
        ),
        state.formError ? alertBox(tx('notSaved', { message: state.formError }), 'ti-form-error') : null,
        h(
          'div',
          { class: 'actions' },
          busyButton({ id: 'ti-save', type: 'submit', text: tx('save'), busyText: tx('saving'), busy: state.saving }),
          h('button', { type: 'button', class: 'secondary', id: 'ti-cancel', onclick: () => closeEditor(editing.id === null ? 'ti-new' : `ti-${editing.id}-edit`) }, tx('cancel')),
        ),
      ),
    );
  };

  const hoursText = (interval: TimeInterval, day: Weekday) => {
    const spans = interval.weekly.filter((w) => w.days.includes(day)).map((w) => `${w.from}–${w.to}`);
    return spans.length > 0 ? spans.join(', ') : tx('closed');
  };

  const card = (interval: TimeInterval) =>
    h(
      'section',
      { class: 'card ti-card', id: `ti-${interval.id}`, 'aria-labelledby': `ti-${interval.id}-title` },
      h(
        'div',
        { class: 'ti-card-head' },
        h('h2', { id: `ti-${interval.id}-title` }, interval.name),
        h('span', { class: interval.inherited ? 'badge off' : 'badge active' }, interval.inherited ? tx('inheritedFrom', { account: interval.accountName }) : tx('own', { account: interval.accountName })),
      ),
      h('p', { class: 'hint' }, `${tx('timezone')}: ${interval.timezone}`),
      interval.weekly.length === 0
        ? h('p', {}, tx('closedAllWeek'))
        : h('dl', { class: 'ti-week' }, ...WEEKDAYS.flatMap((day) => [h('dt', {}, dayName(day)), h('dd', {}, hoursText(interval, day))])),
      interval.exceptions.length === 0
        ? null
        : h('ul', { class: 'ti-dates' }, ...interval.exceptions.map((e) => h('li', {}, `${e.date}: ${e.closed ? tx('closed') : `${e.from ?? ''}–${e.to ?? ''}`}`))),
      interval.usedBy.length === 0 ? null : h('p', { class: 'hint' }, tx('usedBy', { list: interval.usedBy.map((u) => `${u.number} (${u.name})`).join(', ') })),
      interval.inherited
        ? null
        : h(
            'div',
            { class: 'actions' },
            h('button', { type: 'button', class: 'secondary', id: `ti-${interval.id}-edit`, 'aria-label': tx('editLabel', { name: interval.name }), onclick: () => edit(interval) }, tx('edit')),
            h('button', { type: 'button', class: 'danger', id: `ti-${interval.id}-remove`, 'aria-label': tx('removeLabel', { name: interval.name }), onclick: () => confirmRemove(interval) }, tx('remove')),
          ),
    );

  void load();

  return {
    title: () => tx('title'),
    dispose: () => {
      disposed = true;
    },
    render: () =>
      h(
        'div',
        { class: 'time-intervals-page' },
        h('h1', {}, tx('title')),
        h('p', { class: 'lead' }, tx('intro')),
        state.editing ? editor(state.editing) : h('div', { class: 'actions ti-toolbar' }, h('button', { type: 'button', id: 'ti-new', onclick: () => edit(null) }, '+ ', tx('newInterval'))),
        alertBox(state.error, 'ti-error'),
        state.loading
          ? h('p', { class: 'loading', 'aria-busy': 'true' }, t('loading'))
          : state.intervals.length === 0
            ? h('p', { class: 'empty' }, tx('none'))
            : h('div', { class: 'ti-list' }, ...state.intervals.map(card)),
      ),
  };
}

export const routes: PortalRoute[] = [{ path: 'time-intervals', access: manager, nav: { text: () => tx('navTimeIntervals'), order: 30 }, page: timeIntervalsPage }];
