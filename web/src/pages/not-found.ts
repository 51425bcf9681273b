import { BASE, type Page } from '../app.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';

export function notFoundPage(): Page {
  return {
    title: () => t('notFoundTitle'),
    render: () =>
      h(
        'section',
        { class: 'card narrow' },
        h('h1', {}, t('notFoundTitle')),
        h('p', {}, t('notFoundText')),
        h('p', {}, h('a', { href: BASE, 'data-route': true }, t('backToStart'))),
      ),
  };
}
