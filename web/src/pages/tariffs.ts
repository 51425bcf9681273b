import { announce } from '../announce.js';
import { ApiError } from '../api.js';
import { ImportRefusedError, providerApi, type ImportProblem, type ImportResult, type Rate, type RateFields, type RateSort, type Tariff } from '../api/provider.js';
import { describeError, roleIs, type Page, type PortalContext, type PortalRoute } from '../app.js';
import { h } from '../dom.js';
import { defineTexts } from '../texts.js';
import { alertBox, busyButton, confirmDialog, dataTable, loadingOrError, openDialog, pager, selectField, textField, type Column, type SortState } from '../ui.js';
import './tariffs.css';

const tx = defineTexts(
  {
    nav: 'Tariffs',
    title: 'Tariffs and rates',
    intro: 'Calls are priced by the rate with the longest prefix of the number dialled. A change prices the next call.',
    tariff: 'Tariff',
    tariffChoice: '{name} ({account}, {count} rates)',
    noTariffs: 'There are no tariffs yet.',
    newTariff: 'New tariff',
    newTariffTitle: 'New tariff',
    tariffName: 'Name of the tariff',
    create: 'Create',
    readOnly: 'This tariff is defined by {account}, an account above yours: you can see it but not change it.',
    search: 'Search by prefix or name',
    caption: 'Rates of {name}',
    prefix: 'Prefix',
    prefixHint: 'Digits of the number in international form without "+", e.g. 614 for Australian mobiles; empty for every number.',
    everyNumber: '(every number)',
    name: 'Destination',
    connectFee: 'Connect fee',
    perMinute: 'Per minute',
    flat: 'Flat per call',
    increments: 'Increments',
    incrementsHint: 'First/next billing step in seconds: 60/60, 30/6, 1/1.',
    flatHint: 'Either a flat price per answered call, or a price per minute (with an optional connect fee and increments).',
    actions: 'Actions',
    edit: 'Edit',
    editLabel: 'Edit the rate for {prefix}',
    remove: 'Delete',
    removeLabel: 'Delete the rate for {prefix}',
    noRates: 'No rates.',
    addRate: 'Add a rate',
    addRateTitle: 'New rate',
    editRateTitle: 'Rate for {prefix}',
    save: 'Save',
    cancel: 'Cancel',
    saved: 'Rate saved.',
    removed: 'Rate deleted.',
    removeTitle: 'Delete the rate for {prefix}?',
    removeText: 'Calls to these numbers are priced by the next shorter prefix from the next call on.',
    removing: 'Deleting…',
    importTitle: 'Import and export',
    importFile: 'CSV file of rates',
    importHint: 'First line: Prefix,Name,Connect fee,Per minute,Flat,Increments (as the export writes it). A file with any bad line is refused whole.',
    mode: 'How to import',
    modeMerge: 'Merge: add and update the file\u2019s prefixes, keep the others',
    modeReplace: 'Replace: the tariff gets exactly the file\u2019s rates',
    import: 'Import',
    importing: 'Importing…',
    chooseFile: 'Choose a CSV file first.',
    imported: 'Imported: {created} new, {updated} changed, {unchanged} unchanged, {deleted} deleted; the tariff has {total} rates.',
    refused: 'The file was refused; nothing was imported. Fix these lines and import it again:',
    problemLine: 'Line {line}',
    export: 'Export as CSV',
  },
  {
    de: {
      nav: 'Tarife',
      title: 'Tarife und Preise',
      intro: 'Anrufe werden nach dem Preis mit dem längsten passenden Präfix der gewählten Nummer berechnet. Eine Änderung gilt ab dem nächsten Anruf.',
      tariff: 'Tarif',
      tariffChoice: '{name} ({account}, {count} Preise)',
      noTariffs: 'Es gibt noch keine Tarife.',
      newTariff: 'Neuer Tarif',
      newTariffTitle: 'Neuer Tarif',
      tariffName: 'Name des Tarifs',
      create: 'Anlegen',
      readOnly: 'Dieser Tarif gehört {account}, einem übergeordneten Konto: Sie können ihn ansehen, aber nicht ändern.',
      search: 'Nach Präfix oder Name suchen',
      caption: 'Preise von {name}',
      prefix: 'Präfix',
      prefixHint: 'Ziffern der Nummer in internationaler Form ohne „+“, z. B. 614 für australische Mobilnummern; leer für jede Nummer.',
      everyNumber: '(jede Nummer)',
      name: 'Ziel',
      connectFee: 'Verbindungsgebühr',
      perMinute: 'Pro Minute',
      flat: 'Pauschal je Anruf',
      increments: 'Taktung',
      incrementsHint: 'Erster/folgender Takt in Sekunden: 60/60, 30/6, 1/1.',
      flatHint: 'Entweder ein Pauschalpreis je angenommenem Anruf oder ein Minutenpreis (mit optionaler Verbindungsgebühr und Taktung).',
      actions: 'Aktionen',
      edit: 'Bearbeiten',
      editLabel: 'Preis für {prefix} bearbeiten',
      remove: 'Löschen',
      removeLabel: 'Preis für {prefix} löschen',
      noRates: 'Keine Preise.',
      addRate: 'Preis hinzufügen',
      addRateTitle: 'Neuer Preis',
      editRateTitle: 'Preis für {prefix}',
      save: 'Speichern',
      cancel: 'Abbrechen',
      saved: 'Preis gespeichert.',
      removed: 'Preis gelöscht.',
      removeTitle: 'Preis für {prefix} löschen?',
      removeText: 'Anrufe zu diesen Nummern werden ab dem nächsten Anruf nach dem nächstkürzeren Präfix berechnet.',
      removing: 'Wird gelöscht…',
      importTitle: 'Import und Export',
      importFile: 'CSV-Datei mit Preisen',
      importHint: 'Erste Zeile: Prefix,Name,Connect fee,Per minute,Flat,Increments (wie der Export sie schreibt). Eine Datei mit einer fehlerhaften Zeile wird ganz abgelehnt.',
      mode: 'Art des Imports',
      modeMerge: 'Zusammenführen: Präfixe der Datei hinzufügen und ändern, andere behalten',
      modeReplace: 'Ersetzen: der Tarif hat danach genau die Preise der Datei',
      import: 'Importieren',
      importing: 'Wird importiert…',
      chooseFile: 'Wählen Sie zuerst eine CSV-Datei.',
      imported: 'Importiert: {created} neu, {updated} geändert, {unchanged} unverändert, {deleted} gelöscht; der Tarif hat {total} Preise.',
      refused: 'Die Datei wurde abgelehnt, nichts wurde importiert. Korrigieren Sie diese Zeilen und importieren Sie erneut:',
      problemLine: 'Zeile {line}',
      export: 'Als CSV exportieren',
    },
    fr: {
      nav: 'Tarifs',
      title: 'Tarifs et prix',
      intro: 'Les appels sont facturés selon le prix au préfixe le plus long du numéro composé. Une modification s’applique dès l’appel suivant.',
      tariff: 'Tarif',
      tariffChoice: '{name} ({account}, {count} prix)',
      noTariffs: 'Aucun tarif pour l’instant.',
      newTariff: 'Nouveau tarif',
      newTariffTitle: 'Nouveau tarif',
      tariffName: 'Nom du tarif',
      create: 'Créer',
      readOnly: 'Ce tarif est défini par {account}, un compte au-dessus du vôtre : vous pouvez le voir mais pas le modifier.',
      search: 'Chercher par préfixe ou nom',
      caption: 'Prix de {name}',
      prefix: 'Préfixe',
      prefixHint: 'Chiffres du numéro au format international sans « + », p. ex. 614 pour les mobiles australiens ; vide pour tous les numéros.',
      everyNumber: '(tous les numéros)',
      name: 'Destination',
      connectFee: 'Frais de connexion',
      perMinute: 'Par minute',
      flat: 'Forfait par appel',
      increments: 'Paliers',
      incrementsHint: 'Premier/suivant palier de facturation en secondes : 60/60, 30/6, 1/1.',
      flatHint: 'Soit un forfait par appel répondu, soit un prix par minute (avec frais de connexion et paliers facultatifs).',
      actions: 'Actions',
      edit: 'Modifier',
      editLabel: 'Modifier le prix pour {prefix}',
      remove: 'Supprimer',
      removeLabel: 'Supprimer le prix pour {prefix}',
      noRates: 'Aucun prix.',
      addRate: 'Ajouter un prix',
      addRateTitle: 'Nouveau prix',
      editRateTitle: 'Prix pour {prefix}',
      save: 'Enregistrer',
      cancel: 'Annuler',
      saved: 'Prix enregistré.',
      removed: 'Prix supprimé.',
      removeTitle: 'Supprimer le prix pour {prefix} ?',
      removeText: 'Les appels vers ces numéros sont facturés selon le préfixe plus court suivant dès l’appel suivant.',
      removing: 'Suppression…',
      importTitle: 'Import et export',
      importFile: 'Fichier CSV de prix',
      importHint: 'Première ligne : Prefix,Name,Connect fee,Per minute,Flat,Increments (comme l’export l’écrit). Un fichier avec une ligne erronée est refusé en entier.',
      mode: 'Mode d’import',
      modeMerge: 'Fusionner : ajouter et modifier les préfixes du fichier, garder les autres',
      modeReplace: 'Remplacer : le tarif a exactement les prix du fichier',
      import: 'Importer',
      importing: 'Import…',
      chooseFile: 'Choisissez d’abord un fichier CSV.',
      imported: 'Importé : {created} nouveaux, {updated} modifiés, {unchanged} inchangés, {deleted} supprimés ; le tarif a {total} prix.',
      refused: 'Le fichier a été refusé ; rien n’a été importé. Corrigez ces lignes et importez-le à nouveau :',
      problemLine: 'Ligne {line}',
      export: 'Exporter en CSV',
    },
    es: {
      nav: 'Tarifas',
      title: 'Tarifas y precios',
      intro: 'Las llamadas se cobran por el precio con el prefijo más largo del número marcado. Un cambio se aplica desde la siguiente llamada.',
      tariff: 'Tarifa',
      tariffChoice: '{name} ({account}, {count} precios)',
      noTariffs: 'Todavía no hay tarifas.',
      newTariff: 'Nueva tarifa',
      newTariffTitle: 'Nueva tarifa',
      tariffName: 'Nombre de la tarifa',
      create: 'Crear',
      readOnly: 'Esta tarifa la define {account}, una cuenta superior a la suya: puede verla pero no cambiarla.',
      search: 'Buscar por prefijo o nombre',
      caption: 'Precios de {name}',
      prefix: 'Prefijo',
      prefixHint: 'Dígitos del número en formato internacional sin «+», p. ej. 614 para móviles australianos; vacío para todos los números.',
      everyNumber: '(todos los números)',
      name: 'Destino',
      connectFee: 'Cargo de conexión',
      perMinute: 'Por minuto',
      flat: 'Fijo por llamada',
      increments: 'Tramos',
      incrementsHint: 'Primer/siguiente tramo de facturación en segundos: 60/60, 30/6, 1/1.',
      flatHint: 'O un precio fijo por llamada contestada, o un precio por minuto (con cargo de conexión y tramos opcionales).',
      actions: 'Acciones',
      edit: 'Editar',
      editLabel: 'Editar el precio para {prefix}',
      remove: 'Eliminar',
      removeLabel: 'Eliminar el precio para {prefix}',
      noRates: 'No hay precios.',
      addRate: 'Añadir un precio',
      addRateTitle: 'Nuevo precio',
      editRateTitle: 'Precio para {prefix}',
      save: 'Guardar',
      cancel: 'Cancelar',
      saved: 'Precio guardado.',
      removed: 'Precio eliminado.',
      removeTitle: '¿Eliminar el precio para {prefix}?',
      removeText: 'Las llamadas a estos números se cobran por el siguiente prefijo más corto desde la próxima llamada.',
      removing: 'Eliminando…',
      importTitle: 'Importar y exportar',
      importFile: 'Archivo CSV de precios',
      importHint: 'Primera línea: Prefix,Name,Connect fee,Per minute,Flat,Increments (como la escribe la exportación). Un archivo con alguna línea errónea se rechaza entero.',
      mode: 'Modo de importación',
      modeMerge: 'Combinar: añadir y cambiar los prefijos del archivo, conservar los demás',
      modeReplace: 'Reemplazar: la tarifa queda con exactamente los precios del archivo',
      import: 'Importar',
      importing: 'Importando…',
      chooseFile: 'Elija primero un archivo CSV.',
      imported: 'Importado: {created} nuevos, {updated} cambiados, {unchanged} sin cambios, {deleted} eliminados; la tarifa tiene {total} precios.',
      refused: 'El archivo se rechazó; no se importó nada. Corrija estas líneas e impórtelo de nuevo:',
      problemLine: 'Línea {line}',
      export: 'Exportar como CSV',
    },
  },
);

const PAGE_SIZE = 25;
const RATE_FIELDS = ['prefix', 'name', 'flat', 'perMinute', 'connectFee', 'increments'] as const;
type RateField = (typeof RATE_FIELDS)[number];

export function tariffsPage(context: PortalContext): Page {
  const state = {
    loading: true,
    loadError: null as string | null,
    tariffs: [] as Tariff[],
    tariffId: null as number | null,
    rates: [] as Rate[],
    total: 0,
    ratesLoading: false,
    ratesError: null as string | null,
    search: '',
    sort: { key: 'prefix', direction: 'asc' } as SortState,
    page: 1,
    importMode: 'merge' as 'merge' | 'replace',
    importing: false,
    importResult: null as ImportResult | null,
    importProblems: [] as ImportProblem[],
    importError: null as string | null,
  };
  let disposed = false;
  let searchTimer: number | undefined;

  const current = () => state.tariffs.find((t) => t.id === state.tariffId) ?? null;

  const loadRates = async () => {
    if (state.tariffId === null) return;
    state.ratesLoading = true;
    context.refresh();
    try {
      const answer = await providerApi.rates(state.tariffId, {
        search: state.search.trim(),
        sort: state.sort.key as RateSort,
        order: state.sort.direction,
        limit: PAGE_SIZE,
        offset: (state.page - 1) * PAGE_SIZE,
      });
      state.rates = answer.items;
      state.total = answer.total;
      state.ratesError = null;
    } catch (error) {
      if (context.endsSession(error)) return;
      state.ratesError = describeError(error);
    }
    state.ratesLoading = false;
    if (disposed) return;
    context.refresh();
    // Drawn anew while typing in the search box: the caret goes back to the end of the text.
    const box = document.getElementById('rates-search');
    if (box instanceof HTMLInputElement && document.activeElement === box) box.setSelectionRange(box.value.length, box.value.length);
  };

  const loadTariffs = async (select: number | null = state.tariffId) => {
    try {
      state.tariffs = (await providerApi.tariffs()).items;
      state.tariffId = state.tariffs.find((t) => t.id === select)?.id ?? state.tariffs[0]?.id ?? null;
      state.loadError = null;
    } catch (error) {
      if (context.endsSession(error)) return;
      state.loadError = describeError(error);
    }
    state.loading = false;
    if (disposed) return;
    context.refresh();
    await loadRates();
  };

  const newTariff = () => {
    let name = '';
    let error: string | null = null;
    let busy = false;
    const submit = async () => {
      busy = true;
      error = null;
      dialog.redraw();
      try {
        const created = await providerApi.createTariff(name);
        dialog.close();
        state.page = 1;
        await loadTariffs(created.id);
      } catch (e) {
        busy = false;
        if (context.endsSession(e)) return dialog.close();
        error = e instanceof ApiError && e.field === 'name' ? e.message : describeError(e);
        dialog.redraw();
        document.getElementById('tariff-name')?.focus();
      }
    };
    const dialog = openDialog({
      id: 'tariff-dialog',
      title: tx('newTariffTitle'),
      render: () =>
        h(
          'form',
          { novalidate: true, 'aria-busy': busy ? 'true' : null, onsubmit: (e: Event) => (e.preventDefault(), void submit()) },
          textField({ id: 'tariff-name', label: tx('tariffName'), value: name, error, oninput: (v) => (name = v), attributes: { maxlength: 100, autocomplete: 'off' } }),
          h('div', { class: 'actions' }, busyButton({ id: 'tariff-create', type: 'submit', text: tx('create'), busy })),
        ),
    });
    document.getElementById('tariff-name')?.focus();
  };

  const editRate = (rate: Rate | null) => {
    const tariffId = state.tariffId;
    if (tariffId === null) return;
    const draft: Record<RateField, string> = {
      prefix: rate?.prefix ?? '',
      name: rate?.name ?? '',
      flat: rate?.flat ?? '',
      perMinute: rate && rate.flat === null ? rate.perMinute : '',
      connectFee: rate && rate.flat === null && rate.connectFee !== '0.00' ? rate.connectFee : '',
      increments: rate && rate.flat === null ? rate.increments : '',
    };
    const errors: Partial<Record<RateField | 'form', string>> = {};
    let busy = false;
    const submit = async () => {
      for (const key of Object.keys(errors)) delete errors[key as RateField];
      busy = true;
      dialog.redraw();
      const fields: RateFields = { prefix: draft.prefix.trim(), name: draft.name.trim() };
      if (draft.flat.trim() !== '') fields.flat = draft.flat.trim();
      if (draft.perMinute.trim() !== '') fields.perMinute = draft.perMinute.trim();
      if (draft.connectFee.trim() !== '') fields.connectFee = draft.connectFee.trim();
      if (draft.increments.trim() !== '') fields.increments = draft.increments.trim();
      try {
        if (rate) await providerApi.updateRate(tariffId, rate.id, fields);
        else await providerApi.createRate(tariffId, fields);
        dialog.close();
        announce(tx('saved'));
        await loadTariffs();
      } catch (e) {
        busy = false;
        if (context.endsSession(e)) return dialog.close();
        const field = e instanceof ApiError ? RATE_FIELDS.find((f) => f === e.field) : undefined;
        if (field) errors[field] = e instanceof Error ? e.message : '';
        else errors.form = describeError(e);
        dialog.redraw();
        document.getElementById(field ? `rate-${field}` : 'rate-save')?.focus();
      }
    };
    const input = (field: RateField, label: string, hint: string | null, attributes: Record<string, string | number> = {}) =>
      textField({ id: `rate-${field}`, label, hint, error: errors[field], value: draft[field], oninput: (v) => (draft[field] = v), attributes: { autocomplete: 'off', spellcheck: 'false', ...attributes } });
    const dialog = openDialog({
      id: 'rate-dialog',
      title: rate ? tx('editRateTitle', { prefix: rate.prefix || tx('everyNumber') }) : tx('addRateTitle'),
      render: () =>
        h(
          'form',
          { id: 'rate-form', novalidate: true, 'aria-busy': busy ? 'true' : null, onsubmit: (e: Event) => (e.preventDefault(), void submit()) },
          input('prefix', tx('prefix'), tx('prefixHint'), { inputmode: 'numeric', maxlength: 21 }),
          input('name', tx('name'), null, { maxlength: 100 }),
          h('p', { class: 'hint', id: 'rate-kind-hint' }, tx('flatHint')),
          h(
            'div',
            { class: 'rate-prices' },
            input('flat', tx('flat'), null, { inputmode: 'decimal' }),
            input('perMinute', tx('perMinute'), null, { inputmode: 'decimal' }),
            input('connectFee', tx('connectFee'), null, { inputmode: 'decimal', placeholder: '0.00' }),
            input('increments', tx('increments'), tx('incrementsHint'), { placeholder: '60/60' }),
          ),
          alertBox(errors.form),
          h(
            'div',
            { class: 'actions' },
            busyButton({ id: 'rate-save', type: 'submit', text: tx('save'), busy }),
            h('button', { type: 'button', class: 'secondary', id: 'rate-cancel', onclick: () => dialog.close() }, tx('cancel')),
          ),
        ),
    });
    document.getElementById('rate-prefix')?.focus();
  };

  const removeRate = (rate: Rate) => {
    const tariffId = state.tariffId;
    if (tariffId === null) return;
    confirmDialog({
      id: 'rate-delete-dialog',
      title: tx('removeTitle', { prefix: rate.prefix || tx('everyNumber') }),
      message: tx('removeText'),
      confirmText: tx('remove'),
      busyText: tx('removing'),
      cancelText: tx('cancel'),
      action: () => providerApi.deleteRate(tariffId, rate.id),
      done: async () => {
        announce(tx('removed'));
        await loadTariffs();
      },
      endsSession: (error) => context.endsSession(error),
    });
  };

  const importFile = async () => {
    const tariffId = state.tariffId;
    const input = document.getElementById('rates-file') as HTMLInputElement | null;
    const file = input?.files?.[0];
    state.importResult = null;
    state.importProblems = [];
    state.importError = null;
    if (tariffId === null) return;
    if (!file) {
      state.importError = tx('chooseFile');
      context.refresh();
      document.getElementById('rates-file')?.focus();
      return;
    }
    state.importing = true;
    context.refresh();
    try {
      state.importResult = await providerApi.importRates(tariffId, file, state.importMode);
      announce(tx('imported', { ...state.importResult }));
      state.importing = false;
      state.page = 1;
      await loadTariffs();
      return;
    } catch (e) {
      if (context.endsSession(e)) return;
      if (e instanceof ImportRefusedError) {
        state.importProblems = e.problems;
        announce(tx('refused'));
      } else state.importError = describeError(e);
    }
    state.importing = false;
    if (disposed) return;
    context.refresh();
    document.getElementById(state.importProblems.length > 0 ? 'import-problems' : 'rates-import')?.focus();
  };

  const columns = (editable: boolean): Column<Rate>[] => [
    { header: tx('prefix'), sortKey: 'prefix', cell: (r) => (r.prefix === '' ? h('span', { class: 'every-number' }, tx('everyNumber')) : h('code', {}, r.prefix)) },
    { header: tx('name'), sortKey: 'name', cell: (r) => r.name },
    { header: tx('connectFee'), sortKey: 'connectFee', numeric: true, cell: (r) => (r.flat === null ? r.connectFee : '') },
    { header: tx('perMinute'), sortKey: 'perMinute', numeric: true, cell: (r) => (r.flat === null ? r.perMinute : '') },
    { header: tx('flat'), sortKey: 'flat', numeric: true, cell: (r) => r.flat ?? '' },
    { header: tx('increments'), cell: (r) => (r.flat === null ? r.increments : '') },
    ...(editable
      ? [
          {
            header: tx('actions'),
            cell: (r: Rate) =>
              h(
                'div',
                { class: 'row-actions' },
                h('button', { type: 'button', class: 'secondary', id: `rate-edit-${r.id}`, 'aria-label': tx('editLabel', { prefix: r.prefix || tx('everyNumber') }), onclick: () => editRate(r) }, tx('edit')),
                h('button', { type: 'button', class: 'danger', id: `rate-delete-${r.id}`, 'aria-label': tx('removeLabel', { prefix: r.prefix || tx('everyNumber') }), onclick: () => removeRate(r) }, tx('remove')),
              ),
          },
        ]
      : []),
  ];

  const importSection = (tariff: Tariff) =>
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'import-title' },
      h('h2', { id: 'import-title' }, tx('importTitle')),
      h('p', {}, h('a', { id: 'rates-export', class: 'button-link', href: providerApi.exportUrl(tariff.id), download: `rates-${tariff.name}.csv` }, tx('export'))),
      tariff.editable
        ? h(
            'form',
            { id: 'import-form', novalidate: true, 'aria-busy': state.importing ? 'true' : null, onsubmit: (e: Event) => (e.preventDefault(), void importFile()) },
            h(
              'div',
              { class: 'field' },
              h('label', { for: 'rates-file' }, tx('importFile')),
              h('p', { class: 'hint', id: 'rates-file-hint' }, tx('importHint')),
              h('input', { type: 'file', id: 'rates-file', accept: '.csv,text/csv', 'aria-describedby': 'rates-file-hint' }),
            ),
            selectField({
              id: 'rates-mode',
              label: tx('mode'),
              value: state.importMode,
              choices: [
                { value: 'merge', text: tx('modeMerge') },
                { value: 'replace', text: tx('modeReplace') },
              ],
              onchange: (v) => (state.importMode = v === 'replace' ? 'replace' : 'merge'),
            }),
            alertBox(state.importError),
            state.importProblems.length > 0
              ? h(
                  'div',
                  { class: 'alert import-problems', role: 'alert', id: 'import-problems', tabindex: '-1' },
                  h('p', {}, tx('refused')),
                  h(
                    'ul',
                    {},
                    ...state.importProblems.map((p) => h('li', { 'data-line': String(p.line) }, h('strong', {}, tx('problemLine', { line: p.line })), p.field && !p.message.startsWith(p.field) ? ` (${p.field})` : '', ': ', p.message)),
                  ),
                )
              : null,
            state.importResult ? h('p', { class: 'saved', id: 'import-result', role: 'status' }, tx('imported', { ...state.importResult })) : null,
            h('div', { class: 'actions' }, busyButton({ id: 'rates-import', type: 'submit', text: tx('import'), busyText: tx('importing'), busy: state.importing })),
          )
        : null,
    );

  void loadTariffs();

  return {
    title: () => tx('title'),
    dispose: () => {
      disposed = true;
      window.clearTimeout(searchTimer);
    },
    render: () => {
      const heading = h('h1', {}, tx('title'));
      const waiting = loadingOrError([heading], { loading: state.loading, error: state.loadError });
      if (waiting) return waiting;
      const tariff = current();
      const toolbar = h(
        'div',
        { class: 'toolbar' },
        tariff
          ? selectField({
              id: 'tariff-select',
              label: tx('tariff'),
              value: String(tariff.id),
              choices: state.tariffs.map((t) => ({ value: String(t.id), text: tx('tariffChoice', { name: t.name, account: t.accountName, count: t.rateCount }) })),
              onchange: (v) => {
                state.tariffId = Number(v);
                state.page = 1;
                state.importResult = null;
                state.importProblems = [];
                void loadRates();
              },
            })
          : null,
        h('button', { type: 'button', class: 'secondary', id: 'tariff-new', onclick: newTariff }, '+ ', tx('newTariff')),
      );
      if (!tariff) return h('section', { class: 'tariffs' }, heading, h('p', { class: 'lead' }, tx('intro')), toolbar, h('p', { class: 'empty' }, tx('noTariffs')));
      return h(
        'section',
        { class: 'tariffs' },
        heading,
        h('p', { class: 'lead' }, tx('intro')),
        toolbar,
        tariff.editable ? null : h('p', { class: 'notice' }, tx('readOnly', { account: tariff.accountName })),
        h(
          'div',
          { class: 'toolbar' },
          textField({
            id: 'rates-search',
            label: tx('search'),
            value: state.search,
            type: 'search',
            attributes: { autocomplete: 'off' },
            oninput: (v) => {
              state.search = v;
              state.page = 1;
              window.clearTimeout(searchTimer);
              searchTimer = window.setTimeout(() => void loadRates(), 250);
            },
          }),
          tariff.editable ? h('button', { type: 'button', id: 'rate-add', onclick: () => editRate(null) }, '+ ', tx('addRate')) : null,
        ),
        state.ratesError ? alertBox(state.ratesError) : null,
        h(
          'div',
          { 'aria-busy': state.ratesLoading ? 'true' : null },
          dataTable({
            id: 'rates-table',
            caption: tx('caption', { name: tariff.name }),
            columns: columns(tariff.editable),
            rows: state.rates,
            empty: tx('noRates'),
            sort: state.sort,
            onSort: (sort) => {
              state.sort = sort;
              state.page = 1;
              void loadRates();
            },
            rowId: (r) => String(r.id),
          }),
          pager({
            id: 'rates-pager',
            page: state.page,
            pageSize: PAGE_SIZE,
            total: state.total,
            onPage: (page) => {
              state.page = page;
              void loadRates();
            },
          }),
        ),
        importSection(tariff),
      );
    },
  };
}

export const routes: PortalRoute[] = [{ path: 'tariffs', access: roleIs('admin', 'reseller'), nav: { text: () => tx('nav'), order: 40 }, page: (context) => tariffsPage(context) }];
