import { t } from '../i18n/i18n.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';

export interface PlainPasswordDialogProps {
  serverUrl: string;
  onAnswer: (approved: boolean) => void;
}

/**
 * A directory login is checked by the server against the company directory, so the password
 * itself has to reach the server (encrypted in transit). The user decides, once per server.
 */
export function PlainPasswordDialog(props: PlainPasswordDialogProps) {
  // The server's address is an element inside the translated sentence: split it around the slot.
  const serverSentence = () => {
    const text = t('plainPassword.body1', { server: '\u0000' });
    const at = text.indexOf('\u0000');
    return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
  };
  return (
    <ConfirmDialog
      title={t('plainPassword.title')}
      tone="warning"
      declineLabel={t('plainPassword.decline')}
      confirmLabel={t('plainPassword.confirm')}
      focusDecline
      onAnswer={props.onAnswer}
      description={
        <>
          <p>
            {serverSentence()[0]}
            <strong class="break">{props.serverUrl}</strong>
            {serverSentence()[1]}
          </p>
          <p>{t('plainPassword.body2')}</p>
        </>
      }
    />
  );
}
