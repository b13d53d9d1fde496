import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { client } from './lib/api/index.js';

const target = document.getElementById('app');
if (target) {
  mount(App, { target });
  void client.start();
}
