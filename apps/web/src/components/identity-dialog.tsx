import { t } from '../i18n/i18n.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';

export interface IdentityDialogProps {
  serverUrl: string;
  fingerprint: string;
  onAnswer: (trusted: boolean) => void;
}

/** First contact with a server: show its signing key so the user can compare it before trusting it. */
export function IdentityDialog(props: IdentityDialogProps) {
  return (
    <ConfirmDialog
      title={t('identity.title')}
      declineLabel={t('identity.cancel')}
      confirmLabel={t('identity.trust')}
      onAnswer={props.onAnswer}
      description={
        <>
          <p class="break">{t('identity.body', { server: props.serverUrl })}</p>
          <p class="fingerprint-label">{t('identity.fingerprint')}</p>
          <code class="fingerprint" data-testid="fingerprint">
            {props.fingerprint}
          </code>
        </>
      }
    />
  );
}
