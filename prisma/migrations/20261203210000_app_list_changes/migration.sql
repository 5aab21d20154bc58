-- What an app list shows (its apps and their status) comes from these five tables: each change to
-- it is announced on the channel `nimbus_app_list` with the tenant's id, at commit, so gateways
-- drop that tenant's cached lists. Instances change often (their usage figures): only the columns
-- a status reads announce anything.
CREATE FUNCTION nimbus_app_list_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('nimbus_app_list', COALESCE(NEW."tenantId", OLD."tenantId")::text);
  RETURN NULL;
END
$$;

CREATE TRIGGER nimbus_app_list_app AFTER INSERT OR UPDATE OR DELETE ON "App"
  FOR EACH ROW EXECUTE FUNCTION nimbus_app_list_changed();
CREATE TRIGGER nimbus_app_list_rollout AFTER INSERT OR UPDATE OF status OR DELETE ON "Rollout"
  FOR EACH ROW EXECUTE FUNCTION nimbus_app_list_changed();
CREATE TRIGGER nimbus_app_list_formation AFTER INSERT OR UPDATE OF replicas OR DELETE ON "Formation"
  FOR EACH ROW EXECUTE FUNCTION nimbus_app_list_changed();
CREATE TRIGGER nimbus_app_list_autoscaler
  AFTER INSERT OR UPDATE OF "scaledToZeroAt" OR DELETE ON "Autoscaler"
  FOR EACH ROW EXECUTE FUNCTION nimbus_app_list_changed();
CREATE TRIGGER nimbus_app_list_instance_rows AFTER INSERT OR DELETE ON "Instance"
  FOR EACH ROW EXECUTE FUNCTION nimbus_app_list_changed();
CREATE TRIGGER nimbus_app_list_instance_state AFTER UPDATE ON "Instance"
  FOR EACH ROW
  WHEN (OLD.ready IS DISTINCT FROM NEW.ready OR OLD.phase IS DISTINCT FROM NEW.phase
    OR OLD."desiredState" IS DISTINCT FROM NEW."desiredState"
    OR OLD."drainingSince" IS DISTINCT FROM NEW."drainingSince" OR OLD.kind IS DISTINCT FROM NEW.kind)
  EXECUTE FUNCTION nimbus_app_list_changed();
