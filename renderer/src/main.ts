import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { client } from './lib/api/index.js';
import { startWorkingCopy } from './features/builder/index.js';
import { applyTheme, storedTheme } from './features/shell/theme.js';

// Before the first paint: a pinned theme must not flash the other one.
applyTheme(storedTheme());

const target = document.getElementById('app');
if (target) {
  startWorkingCopy();
  mount(App, { target });
  void client.start();
}
