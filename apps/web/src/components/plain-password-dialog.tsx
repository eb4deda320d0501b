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
  return (
    <ConfirmDialog
      title="Send your password to the server?"
      tone="warning"
      declineLabel="Don’t send"
      confirmLabel="Send password"
      focusDecline
      onAnswer={props.onAnswer}
      description={
        <>
          <p>
            You are signing in with your company directory account. To check it,{' '}
            <strong class="break">{props.serverUrl}</strong> needs your actual password. It is encrypted on
            the way, but the server will see it.
          </p>
          <p>
            Only continue if this is your organisation’s server. If you decline, your password is not sent and
            the sign-in cannot succeed. Your answer is remembered for this server.
          </p>
        </>
      }
    />
  );
}
