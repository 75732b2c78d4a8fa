import './app.css';
import { mount } from 'svelte';
import App from './components/App.svelte';
import { App as AppState } from './lib/app.svelte';
import { HttpTransport } from './lib/transport/http';

const transport = new HttpTransport();
const app = new AppState(transport);
transport.onUnauthorized = () => {
  app.unauthorized = true;
};

mount(App, { target: document.getElementById('app')!, props: { app } });
