import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './app';
import { LiveProvider } from './api/live';
import { SessionProvider } from './api/session';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BrowserRouter>
      <SessionProvider>
        <LiveProvider>
          <App />
        </LiveProvider>
      </SessionProvider>
    </BrowserRouter>
  </StrictMode>,
);
