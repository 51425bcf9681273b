import { Portal } from './app.js';
import { initialLanguage, setLanguage } from './i18n.js';
import { callnowPage } from './pages/callnow.js';
import { notFoundPage } from './pages/not-found.js';
import { signInPage } from './pages/sign-in.js';
import './style.css';

setLanguage(initialLanguage(), false);
const root = document.getElementById('app');
if (root) {
  const portal = new Portal(root, { signIn: signInPage, callnow: callnowPage, notFound: notFoundPage });
  void portal.start();
}
