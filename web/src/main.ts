import { Portal, type PortalRoute } from './app.js';
import { initialLanguage, setLanguage } from './i18n.js';
import { notFoundPage } from './pages/not-found.js';
import './style.css';

// Every page module declares its own routes; a new page is one new file in pages/.
const modules = import.meta.glob<{ routes?: PortalRoute[] }>('./pages/*.ts', { eager: true });
const routes = Object.values(modules).flatMap((module) => module.routes ?? []);

setLanguage(initialLanguage(), false);
const root = document.getElementById('app');
if (root) {
  const portal = new Portal(root, { routes, notFound: notFoundPage });
  void portal.start();
}
